/**
 * Bulletins both ways (报送 up as well as down), a receipt per party, and forwarding (转发):
 * given / when / then on the decisions and the events they return.
 */
import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsEvents, FailedPreconditionError, Violations, type EventToEmit } from "@jinlian/chassis";
import { violatedFields } from "@jinlian/chassis/testing";
import { bulletinsV1, type bulletinsEventsV1 } from "@jinlian/proto";
import type { Bulletin, DraftContent } from "./bulletin";
import {
  assertCanPublish,
  decideAcknowledge,
  decideCreateDraft,
  decidePublish,
  decideReceiptReceived,
  decideReceive,
  decideReceivedVersion,
  type DecisionContext,
} from "./bulletin-decisions";
import { publishedEvent, receivedFromEvent } from "./bulletin-events";
import { addDirectionViolations } from "./direction";
import { decideForward, forwardedRecipientsAtIssuer, type ForwardTarget, type RegisteredOrganisation } from "./forwarding";
import { partyCounts, partyStatuses, recipientVersion } from "./receipts";

const at = new Date("2026-03-01T02:00:00Z");
const hepingBureau = { creditCode: withCheckCharacter("11120101MB1234567"), jurisdictionCode: "120101", name: "和平区司法局" };
const cityBureau = { creditCode: withCheckCharacter("11120000MB1234567"), jurisdictionCode: "120000", name: "天津市司法局" };
const hepingChamber = { creditCode: withCheckCharacter("51120101MJ7654321"), jurisdictionCode: "120101", name: "和平区总商会" };
const hedongChamber = { creditCode: withCheckCharacter("51120102MJ7654321"), jurisdictionCode: "120102", name: "河东区总商会" };

const ctx = (here: string, reason = "", actor = "editor"): DecisionContext => ({
  here,
  now: at,
  audit: { actor, reason, requestId: "req-1", occurTime: at, jurisdictionCode: here },
});
const none = { allDistricts: false, jurisdictionCodes: [] as string[], organisations: [] as (typeof hepingChamber)[] };

function content(over: Partial<DraftContent> = {}): DraftContent {
  return {
    kind: "WORK_BRIEFING",
    issuer: hepingBureau,
    title: "和平区工作简报",
    body: "报送内容",
    mainAudience: { ...none, jurisdictionCodes: ["120000"] },
    copyAudience: none,
    urgency: "ROUTINE",
    classification: "INTERNAL",
    acknowledgementWindowSeconds: 86400,
    ...over,
  };
}

const hepingRegistry = [{ ...hepingBureau, type: "JUSTICE_BUREAU", active: true }];
const typesAndTargets = (events: readonly EventToEmit[]) => events.map((e) => ({ type: e.descriptor.type, to: e.to }));

/** A district's draft, approved (签发) as publication needs. */
function districtDraft(over: Partial<DraftContent> = {}): Bulletin {
  return {
    ...decideCreateDraft("5b1d2c3e-0000-4000-8000-00000000000a", content(over), ctx("120101"), hepingRegistry).state,
    approval: { approverName: "赵六", approverPosition: "局长", actor: "editor", reason: "", requestId: "", at, jurisdiction: "120101" },
    revision: 1,
  };
}

describe("direction: the city issues down, a district reports up (报送)", () => {
  it("given a district issuer, when it publishes to the city, then version 1 goes up to 120000 only, numbered in the issuer's series", () => {
    const d = decidePublish(districtDraft(), 4, ctx("120101"));
    expect(d.state).toMatchObject({ issuingJurisdiction: "120101", issueNumber: { year: 2026, number: 4 }, status: "PUBLISHED" });
    expect(d.state.recipients.map((r) => [r.key, r.deliveryJurisdiction])).toEqual([["node:120000", "120000"]]);
    expect(typesAndTargets(d.events)).toEqual([{ type: bulletinsEvents.published.type, to: [{ node: "120000" }] }]);
  });

  it("given the city, when it receives a district's bulletin, then it keeps its copy with itself as recipient", () => {
    const published = decidePublish(districtDraft(), 4, ctx("120101")).state;
    const event = publishedEvent(published, ctx("120101").audit);
    const d = decideReceive(receivedFromEvent(event, at, "test"), ctx("120000"))!;
    expect(d.state).toMatchObject({ origin: "RECEIVED", issuingJurisdiction: "120101", issuer: hepingBureau });
    expect(d.state.recipients.map((r) => r.key)).toEqual(["node:120000"]);
  });

  it("given a district, when its draft addresses another district, all districts or another district's organisation, then each is a field violation", () => {
    const v = new Violations();
    addDirectionViolations(
      v,
      { allDistricts: true, jurisdictionCodes: ["120000", "120102"], organisations: [] },
      { ...none, organisations: [hepingChamber, hedongChamber, cityBureau] },
      "120101",
    );
    expect(v.all.map((x) => x.field)).toEqual([
      "main_audience.all_districts",
      "main_audience.jurisdiction_codes[1]",
      "copy_audience.organisations[1].jurisdiction_code",
    ]);
  });

  it("given a district, when a draft addresses another district, then creating it is refused naming the field", () => {
    const fields = violatedFields(() =>
      decideCreateDraft("b-x", content({ mainAudience: { ...none, jurisdictionCodes: ["120102"] } }), ctx("120101"), hepingRegistry),
    );
    expect(fields).toContain("main_audience.jurisdiction_codes[0]");
  });

  it("given a district draft written before the rule, when published, then it is refused rather than failing to deliver", () => {
    const stale = { ...districtDraft(), copyAudience: { ...none, jurisdictionCodes: ["120102"] } };
    expect(violatedFields(() => assertCanPublish(stale, ""))).toEqual(["copy_audience.jurisdiction_codes[0]"]);
  });

  it("given the city, when it addresses all districts, then the direction rules say nothing", () => {
    const v = new Violations();
    addDirectionViolations(v, { allDistricts: true, jurisdictionCodes: [], organisations: [hedongChamber] }, none, "120000");
    expect(v.all).toEqual([]);
  });
});

/** The city's copy of a district report, addressed to the city (a node recipient) and a city organisation. */
function atCity(): Bulletin {
  const published = decidePublish(districtDraft({ copyAudience: { ...none, organisations: [cityBureau] } }), 4, ctx("120101")).state;
  return {
    ...decideReceive(receivedFromEvent(publishedEvent(published, ctx("120101").audit), at, "t"), ctx("120000"))!.state,
    revision: 1,
  };
}
const cityNode = { kind: "node" as const, jurisdictionCode: "120000" };

describe("a receipt per party", () => {
  it("given a node recipient, when its justice bureau acknowledges, then one receipt for that party goes back, and the node is not yet read", () => {
    const d = decideAcknowledge(
      atCity(),
      { receiptId: "x-1", recipient: cityNode, version: 0, readerName: "张三", party: "JUSTICE_BUREAU" },
      ctx("120000", "", "bureau-reader"),
    );
    expect(d.receipt).toMatchObject({ recipientKey: "node:120000", party: "JUSTICE_BUREAU", version: 1 });
    expect(typesAndTargets(d.events)).toEqual([{ type: bulletinsEvents.acknowledged.type, to: [{ node: "120101" }] }]);
    expect((d.events[0]!.data as bulletinsEventsV1.BulletinAcknowledged).party).toBe(bulletinsV1.Party.PARTY_JUSTICE_BUREAU);
    expect(recipientVersion(d.recipient!)).toBe(0);
    expect(partyStatuses(atCity(), d.recipient!, at).map((p) => [p.party, p.state])).toEqual([
      ["JUSTICE_BUREAU", "READ"],
      ["FEDERATION", "UNREAD"],
    ]);
  });

  it("given the bureau has read, when the federation acknowledges, then the node has read; the bureau again changes nothing", () => {
    const b = atCity();
    const first = decideAcknowledge(
      b,
      { receiptId: "x-1", recipient: cityNode, version: 0, readerName: "张三", party: "JUSTICE_BUREAU" },
      ctx("120000"),
    );
    b.recipients[0] = first.recipient!;
    const second = decideAcknowledge(
      b,
      { receiptId: "x-2", recipient: cityNode, version: 0, readerName: "李四", party: "FEDERATION" },
      ctx("120000"),
    );
    expect(second.receipt).toMatchObject({ party: "FEDERATION" });
    expect(second.recipient).toMatchObject({ acknowledgedVersion: 1, readerName: "李四" });
    b.recipients[0] = second.recipient!;
    const again = decideAcknowledge(
      b,
      { receiptId: "x-3", recipient: cityNode, version: 0, readerName: "", party: "JUSTICE_BUREAU" },
      ctx("120000"),
    );
    expect(again).toEqual({ receipt: undefined, action: "AcknowledgeBulletin", events: [] });
  });

  it("given no party, when a node acknowledges (as clients before parties did), then one receipt stands for both parties", () => {
    const d = decideAcknowledge(
      atCity(),
      { receiptId: "x-1", recipient: cityNode, version: 0, readerName: "王五", party: null },
      ctx("120000"),
    );
    expect(d.receipt).toMatchObject({ party: null, version: 1 });
    expect((d.events[0]!.data as bulletinsEventsV1.BulletinAcknowledged).party).toBe(bulletinsV1.Party.PARTY_UNSPECIFIED);
    expect(d.recipient).toMatchObject({ acknowledgedVersion: 1, readerName: "王五" });
  });

  it("given an organisation recipient, when it names a party, then the party is a field violation", () => {
    const org = { kind: "organisation" as const, organisation: cityBureau };
    expect(
      violatedFields(() =>
        decideAcknowledge(atCity(), { receiptId: "x", recipient: org, version: 0, readerName: "", party: "FEDERATION" }, ctx("120000")),
      ),
    ).toEqual(["party"]);
  });

  it("given the issuer, when one party's receipt arrives, then it counts for that party only; the other party's still counts", () => {
    const issued = decidePublish(districtDraft(), 4, ctx("120101")).state;
    const r = { receiptId: "x", recipientKey: "node:120000", version: 1, at, by: "bureau", readerName: "张三", reason: "", requestId: "" };
    const bureauReceipt = decideReceiptReceived(issued, { ...r, party: "JUSTICE_BUREAU" })!;
    expect(bureauReceipt.party).toBe("JUSTICE_BUREAU");
    issued.recipients[0] = {
      ...issued.recipients[0]!,
      reads: [{ party: "JUSTICE_BUREAU", version: 1, at, by: "bureau", readerName: "张三" }],
    };
    expect(decideReceiptReceived(issued, { ...r, party: "JUSTICE_BUREAU" })).toBeUndefined();
    expect(decideReceiptReceived(issued, { ...r, party: "FEDERATION" })?.party).toBe("FEDERATION");
    expect(partyCounts(issued, issued.recipients, at)).toEqual({ recipients: 2, read: 1, unread: 1, overdue: 0 });
  });

  it("given a correction, when both parties had read version 1, then both are unread again and past the window overdue", () => {
    const b = atCity();
    b.recipients[0] = { ...b.recipients[0]!, acknowledgedVersion: 1 };
    const v2 = decideReceivedVersion(
      b,
      {
        version: 2,
        change: "CORRECTION",
        title: "更正",
        body: "b",
        reason: "r",
        actor: "a",
        requestId: "",
        jurisdiction: "120101",
        at,
        due: at,
      },
      ctx("120000"),
    )!.state;
    const later = new Date(at.getTime() + 1000);
    expect(partyStatuses(v2, v2.recipients[0]!, later).map((p) => p.state)).toEqual(["OVERDUE", "OVERDUE"]);
    expect(partyCounts(v2, v2.recipients, later)).toEqual({ recipients: 3, read: 0, unread: 0, overdue: 3 });
  });
});

/** Heping's copy of a municipal bulletin addressed to Heping. */
function atHeping(over: Partial<Bulletin> = {}): Bulletin {
  const cityDraft = {
    ...districtDraft(),
    issuer: cityBureau,
    issuingJurisdiction: "120000",
    mainAudience: { ...none, jurisdictionCodes: ["120101"] },
  };
  const published = { ...decidePublish(cityDraft, 9, ctx("120000")).state, ...over };
  return {
    ...decideReceive(receivedFromEvent(publishedEvent(published, ctx("120000").audit), at, "t"), ctx("120101"))!.state,
    revision: 1,
  };
}
const registered = (o: typeof hepingChamber, over: Partial<RegisteredOrganisation> = {}): RegisteredOrganisation => ({
  organisationId: "00000000-0000-4000-8000-000000000001",
  ...o,
  type: "CHAMBER_OF_COMMERCE",
  active: true,
  ...over,
});
const target = (known: RegisteredOrganisation | undefined, i = 0): ForwardTarget => ({ field: `credit_codes[${i}]`, known });

describe("forwarding (转发)", () => {
  it("given a municipal bulletin at Heping, when forwarded to its chamber, then the chamber is held at Heping and the city is told", () => {
    const d = decideForward(atHeping(), [target(registered(hepingChamber))], ctx("120101", "转发各商会学习"));
    expect(d.action).toBe("ForwardBulletin");
    const added = d.state.recipients.find((r) => r.key === `org:${hepingChamber.creditCode}`);
    expect(added).toMatchObject({ deliveryJurisdiction: "120101", forwardedBy: "120101", forwardReason: "转发各商会学习", role: "MAIN" });
    expect(typesAndTargets(d.events)).toEqual([{ type: bulletinsEvents.forwarded.type, to: [{ node: "120000" }] }]);
    expect(d.events[0]!.data).toMatchObject({ forwardingJurisdictionCode: "120101", organisations: [hepingChamber], version: 1 });
  });

  it("given the city, when Heping's forwarding arrives, then it tracks the chamber as held at Heping; from another node it is refused", () => {
    const issued = decidePublish(
      { ...districtDraft(), issuer: cityBureau, issuingJurisdiction: "120000", mainAudience: { ...none, jurisdictionCodes: ["120101"] } },
      9,
      ctx("120000"),
    ).state;
    const ok = forwardedRecipientsAtIssuer(issued, { organisations: [hepingChamber], reason: "转发" }, "120101");
    expect(ok.problems).toEqual([]);
    expect(ok.entries.map((e) => [e.key, e.deliveryJurisdiction, e.forwardedBy])).toEqual([
      [`org:${hepingChamber.creditCode}`, "120101", "120101"],
    ]);
    expect(forwardedRecipientsAtIssuer(issued, { organisations: [hepingChamber], reason: "" }, "120102").problems).toHaveLength(2);
  });

  it("given a bulletin issued here, recalled, or restricted, when forwarded, then it is refused as a precondition", () => {
    const issued = decidePublish(districtDraft(), 4, ctx("120101")).state;
    const refusal = (b: Bulletin) => {
      try {
        decideForward(b, [target(registered(hepingChamber))], ctx("120101", "r"));
      } catch (e) {
        return e instanceof FailedPreconditionError ? e.violations.map((v) => v.type) : e;
      }
      return "accepted";
    };
    expect(refusal(issued)).toEqual(["BULLETIN_ISSUED_HERE"]);
    expect(refusal({ ...atHeping(), status: "RECALLED" })).toEqual(["BULLETIN_RECALLED"]);
    expect(refusal(atHeping({ classification: "RESTRICTED" }))).toEqual(["BULLETIN_RESTRICTED"]);
  });

  it("given organisations unknown, of another node, the node's own bureau or already recipients, when forwarded, then each is a field violation", () => {
    const b = atHeping();
    const fields = violatedFields(() =>
      decideForward(
        b,
        [
          target(undefined, 0),
          target(registered(hedongChamber), 1),
          target(registered(hepingBureau, { type: "JUSTICE_BUREAU" }), 2),
          target(registered(hepingChamber), 3),
          target(registered(hepingChamber), 4),
        ],
        ctx("120101", "r"),
      ),
    );
    expect(fields).toEqual(["credit_codes[0]", "credit_codes[1]", "credit_codes[2]", "credit_codes[4]"]);
  });

  it("given a deactivated organisation, when forwarded to, then it is refused as ORGANISATION_DEACTIVATED", () => {
    expect(() => decideForward(atHeping(), [target(registered(hepingChamber, { active: false }))], ctx("120101", "r"))).toThrow(
      FailedPreconditionError,
    );
  });
});
