import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsEvents, FailedPreconditionError, type EventToEmit } from "@jinlian/chassis";
import type { bulletinsEventsV1 } from "@jinlian/proto";
import { violatedFields } from "@jinlian/chassis/testing";
import type { Bulletin, DraftContent } from "./bulletin";
import {
  decideApprove,
  decideCorrect,
  decideCreateDraft,
  decideDeleteDraft,
  decidePublish,
  decideReceive,
  decideReceivedVersion,
  decideSupplied,
  decideUpdateDraft,
  decideWithdrawn,
  type DecisionContext,
} from "./bulletin-decisions";
import { receivedFromEvent } from "./bulletin-events";
import { suppliedFromEvent } from "./office-events";
import { readerOf, visibleTo, type RegisteredParty } from "./office";

const bureau = { creditCode: withCheckCharacter("11120000MB1234567"), jurisdictionCode: "120000", name: "天津市司法局" };
const federation = { creditCode: withCheckCharacter("51120000MJ0123456"), jurisdictionCode: "120000", name: "天津市工商业联合会" };
const enterprise = { creditCode: withCheckCharacter("91120000MA0000001"), jurisdictionCode: "120000", name: "某贸易有限公司" };
const hepingBureau = { creditCode: withCheckCharacter("11120101MB0000001"), jurisdictionCode: "120101", name: "和平区司法局" };
const chamber = { creditCode: withCheckCharacter("51120101MJ7654321"), jurisdictionCode: "120101", name: "和平区总商会" };
const at = new Date("2026-03-01T02:00:00Z");
const ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

const registry: RegisteredParty[] = [
  { ...bureau, type: "JUSTICE_BUREAU", active: true },
  { ...federation, type: "FEDERATION", active: true },
  { ...enterprise, type: "ENTERPRISE", active: true },
  { ...hepingBureau, type: "JUSTICE_BUREAU", active: true },
];

const ctx = (over: { here?: string; reason?: string; actor?: string } = {}): DecisionContext => {
  const here = over.here ?? "120000";
  return {
    here,
    now: at,
    audit: { actor: over.actor ?? "editor", reason: over.reason ?? "", requestId: "req-1", occurTime: at, jurisdictionCode: here },
  };
};

function content(over: Partial<DraftContent> = {}): DraftContent {
  return {
    kind: "WORK_BRIEFING",
    // Named by credit code only: the registry supplies the rest.
    issuer: { creditCode: bureau.creditCode, jurisdictionCode: "", name: "" },
    title: "工作简报",
    body: "正文",
    mainAudience: { allDistricts: false, jurisdictionCodes: ["120101", "120102"], organisations: [] },
    copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
    urgency: "ROUTINE",
    classification: "INTERNAL",
    acknowledgementWindowSeconds: 86400,
    ...over,
  };
}

const approver = { name: "王五", position: "局长" };
const draft = (over: Partial<DraftContent> = {}): Bulletin => ({
  ...decideCreateDraft(ID, content(over), ctx(), registry).state,
  revision: 1,
});
const approved = (over: Partial<DraftContent> = {}): Bulletin => ({ ...decideApprove(draft(over), approver, ctx()).state, revision: 2 });
const published = (over: Partial<DraftContent> = {}): Bulletin => ({ ...decidePublish(approved(over), 3, ctx()).state, revision: 3 });
const targets = (events: readonly EventToEmit[]) => events.map((e) => ({ type: e.descriptor.type, to: e.to }));
const preconditionOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    if (err instanceof FailedPreconditionError) return err.violations[0]?.type;
    throw err;
  }
  return undefined;
};

describe("the issuer comes from the registry", () => {
  it("given the bureau is registered, when a draft names it by credit code, then its name and jurisdiction are the registry's", () => {
    const d = decideCreateDraft(ID, content({ issuer: { ...bureau, name: "随便写的名字" } }), ctx(), registry);
    expect(d.state.issuer).toEqual(bureau);
  });

  it("given an unknown credit code, when named as issuer, then INVALID_ARGUMENT on issuer.credit_code", () => {
    const unknown = { creditCode: withCheckCharacter("11120000MB9999999"), jurisdictionCode: "", name: "" };
    expect(violatedFields(() => decideCreateDraft(ID, content({ issuer: unknown }), ctx(), registry))).toEqual(["issuer.credit_code"]);
  });

  it("given an enterprise, when named as issuer, then INVALID_ARGUMENT on issuer.credit_code (only a bureau or federation issues)", () => {
    expect(violatedFields(() => decideCreateDraft(ID, content({ issuer: enterprise }), ctx(), registry))).toEqual(["issuer.credit_code"]);
  });

  it("given another node's bureau, when named as issuer, then INVALID_ARGUMENT on issuer.credit_code", () => {
    const named = { creditCode: hepingBureau.creditCode, jurisdictionCode: "", name: "" };
    expect(violatedFields(() => decideCreateDraft(ID, content({ issuer: named }), ctx(), registry))).toEqual(["issuer.credit_code"]);
  });

  it("given the bureau is deactivated, when named as issuer, then FAILED_PRECONDITION ORGANISATION_DEACTIVATED", () => {
    const deactivated = registry.map((k) => (k.creditCode === bureau.creditCode ? { ...k, active: false } : k));
    expect(preconditionOf(() => decideCreateDraft(ID, content(), ctx(), deactivated))).toBe("ORGANISATION_DEACTIVATED");
  });

  it("given the bureau and the federation, when they issue jointly (联合印发), then the federation is a co-issuer named by the registry", () => {
    const d = decideCreateDraft(
      ID,
      content({ coIssuers: [{ creditCode: federation.creditCode, jurisdictionCode: "", name: "" }] }),
      ctx(),
      registry,
    );
    expect(d.state.issuer).toEqual(bureau);
    expect(d.state.coIssuers).toEqual([federation]);
  });

  it("given a co-issuer that is the issuer again or an enterprise, when drafted, then each is a field violation", () => {
    const coIssuers = [bureau, enterprise];
    expect(violatedFields(() => decideCreateDraft(ID, content({ coIssuers }), ctx(), registry))).toEqual([
      "co_issuers[0].credit_code",
      "co_issuers[1].credit_code",
    ]);
  });
});

describe("co-issuers of a draft can be changed", () => {
  const withFederation = () => ({
    ...decideUpdateDraft(
      draft(),
      { ...content(), coIssuers: [{ creditCode: federation.creditCode, jurisdictionCode: "", name: "" }] },
      ctx(),
      registry,
    ).state,
    revision: 2,
  });

  it("given a draft of the bureau alone, when updated with the federation as co-issuer, then it is named from the registry", () => {
    expect(withFederation().coIssuers).toEqual([federation]);
  });

  it("given a joint draft, when updated without co-issuers given, then they are kept; given an empty list, then removed", () => {
    const { coIssuers: _omitted, ...rest } = content();
    expect(decideUpdateDraft(withFederation(), rest, ctx(), registry).state.coIssuers).toEqual([federation]);
    expect(decideUpdateDraft(withFederation(), { ...rest, coIssuers: [] }, ctx(), registry).state.coIssuers).toEqual([]);
  });

  it("given an enterprise or the lead issuer as co-issuer, then INVALID_ARGUMENT on co_issuers[i]", () => {
    const named = [enterprise, bureau].map((o) => ({ creditCode: o.creditCode, jurisdictionCode: "", name: "" }));
    expect(violatedFields(() => decideUpdateDraft(draft(), { ...content(), coIssuers: named }, ctx(), registry))).toEqual([
      "co_issuers[0].credit_code",
      "co_issuers[1].credit_code",
    ]);
  });

  it("given an approved draft, when its co-issuers change, then the approval is withdrawn", () => {
    const changed = decideUpdateDraft(approved(), { ...content(), coIssuers: [federation] }, ctx(), registry).state;
    expect(changed.approval).toBeNull();
  });
});

describe("签发 approval", () => {
  it("given a draft, when published without approval, then FAILED_PRECONDITION BULLETIN_NOT_APPROVED", () => {
    expect(preconditionOf(() => decidePublish(draft(), 1, ctx()))).toBe("BULLETIN_NOT_APPROVED");
  });

  it("given a draft, when approved, then the approver and the actor are recorded and nothing is delivered", () => {
    const d = decideApprove(draft(), approver, ctx({ actor: "secretary", reason: "同意印发" }));
    expect(d.action).toBe("ApproveBulletin");
    expect(d.events).toEqual([]);
    expect(d.state.approval).toEqual({
      approverName: "王五",
      approverPosition: "局长",
      actor: "secretary",
      reason: "同意印发",
      requestId: "req-1",
      at,
      jurisdiction: "120000",
    });
  });

  it("given a draft, when approved without a name or position, then each is a field violation", () => {
    expect(violatedFields(() => decideApprove(draft(), { name: " ", position: "" }, ctx()))).toEqual([
      "approver.name",
      "approver.position",
    ]);
    expect(violatedFields(() => decideApprove(draft(), undefined, ctx()))).toEqual(["approver"]);
  });

  it("given an approved draft, when approved again, then FAILED_PRECONDITION BULLETIN_ALREADY_APPROVED", () => {
    expect(preconditionOf(() => decideApprove(approved(), approver, ctx()))).toBe("BULLETIN_ALREADY_APPROVED");
  });

  it("given an approved draft, when changed, then the approval is withdrawn and publishing is refused", () => {
    const changed = { ...decideUpdateDraft(approved(), { ...content(), title: "改过的标题" }, ctx()).state, revision: 3 };
    expect(changed.approval).toBeNull();
    expect(preconditionOf(() => decidePublish(changed, 1, ctx()))).toBe("BULLETIN_NOT_APPROVED");
  });

  it("given an approved joint draft, when published, then the event carries the approval and every issuer", () => {
    const d = decidePublish(approved({ coIssuers: [federation] }), 3, ctx());
    const data = d.events[0]!.data as bulletinsEventsV1.BulletinPublished;
    expect(data.issuer).toEqual(bureau);
    expect(data.coIssuers).toEqual([federation]);
    expect(data.approval).toEqual({
      approver: { name: "王五", position: "局长" },
      audit: { actor: "editor", reason: "", requestId: "req-1", occurTime: at, jurisdictionCode: "120000" },
    });
    // The receiving node reads both back.
    const received = receivedFromEvent(data, at, "test");
    expect(received.coIssuers).toEqual([federation]);
    expect(received.approval?.approverName).toBe("王五");
  });

  it("given a published bulletin, when approved, then it is refused as not a draft", () => {
    expect(preconditionOf(() => decideApprove(published(), approver, ctx()))).toBe("BULLETIN_NOT_DRAFT");
  });
});

describe("deleting a draft", () => {
  it("given a draft, when deleted, then the decision is the audited DeleteBulletinDraft", () => {
    expect(decideDeleteDraft(draft(), ctx({ reason: "重复起草" }))).toEqual({ action: "DeleteBulletinDraft" });
  });

  it("given a published bulletin, when deleted, then FAILED_PRECONDITION BULLETIN_NOT_DRAFT", () => {
    expect(preconditionOf(() => decideDeleteDraft(published(), ctx()))).toBe("BULLETIN_NOT_DRAFT");
  });
});

describe("a correction may fix the audience", () => {
  // Published to 120101 and 120102; corrected to 120102 and 120103.
  const corrected = () =>
    decideCorrect(
      published(),
      {
        title: "更正标题",
        body: "更正正文",
        mainAudience: { allDistricts: false, jurisdictionCodes: ["120102", "120103"], organisations: [] },
      },
      ctx({ reason: "主送单位有误" }),
    );

  it("given 120101 and 120102, when corrected to 120102 and 120103, then 120102 is corrected, 120103 supplied, 120101 withdrawn, all at version 2", () => {
    const d = corrected();
    expect(targets(d.events)).toEqual([
      { type: bulletinsEvents.corrected.type, to: [{ node: "120102" }] },
      { type: bulletinsEvents.supplied.type, to: [{ node: "120103" }] },
      { type: bulletinsEvents.withdrawn.type, to: [{ node: "120101" }] },
    ]);
    const [c, s, w] = d.events.map((e) => e.data) as [
      bulletinsEventsV1.BulletinCorrected,
      bulletinsEventsV1.BulletinSupplied,
      bulletinsEventsV1.BulletinWithdrawn,
    ];
    expect(c.mainAudience?.jurisdictionCodes).toEqual(["120102", "120103"]);
    expect(s).toMatchObject({ version: 2, title: "更正标题", issueNumber: { year: 2026, number: 3 }, publishTime: at });
    expect(w).toMatchObject({ version: 2, supersedesVersion: 1, audit: expect.objectContaining({ reason: "主送单位有误" }) });
  });

  it("given the same correction, then the number stays, 120101 is kept as withdrawn and 120103 is tracked afresh", () => {
    const d = corrected();
    expect(d.state.issueNumber).toEqual({ year: 2026, number: 3 });
    expect(d.state.recipients.map((r) => [r.key, r.withdrawnVersion ?? null])).toEqual([
      ["node:120101", 2],
      ["node:120102", null],
      ["node:120103", null],
    ]);
  });

  it("given a correction without audiences, then the event carries none and goes to every addressed node", () => {
    const d = decideCorrect(published(), { title: "t", body: "b" }, ctx({ reason: "r" }));
    expect(targets(d.events)).toEqual([{ type: bulletinsEvents.corrected.type, to: [{ node: "120101" }, { node: "120102" }] }]);
    expect((d.events[0]!.data as bulletinsEventsV1.BulletinCorrected).mainAudience).toBeUndefined();
  });

  it("given a correction that only changes the audience, when title and body are empty, then the current ones are kept in version 2", () => {
    const main = { allDistricts: false, jurisdictionCodes: ["120102", "120103"], organisations: [] };
    const d = decideCorrect(published(), { title: "", body: " ", mainAudience: main }, ctx({ reason: "补发河西区" }));
    expect(d.state).toMatchObject({ title: "工作简报", body: "正文", currentVersion: 2 });
    expect(d.state.versions[1]).toMatchObject({ version: 2, change: "CORRECTION", title: "工作简报", body: "正文" });
    const supplied = d.events.find((e) => e.descriptor.type === bulletinsEvents.supplied.type)!.data as bulletinsEventsV1.BulletinSupplied;
    expect(supplied).toMatchObject({ title: "工作简报", body: "正文" });
  });

  it("given a correction without an audience, when title and body are empty, then both are required", () => {
    expect(violatedFields(() => decideCorrect(published(), { title: "", body: "" }, ctx({ reason: "r" })))).toEqual(["title", "body"]);
  });

  it("given a restricted bulletin, when the correction addresses all districts, then INVALID_ARGUMENT", () => {
    const b = published({ classification: "RESTRICTED" });
    const all = { allDistricts: true, jurisdictionCodes: [], organisations: [] };
    expect(violatedFields(() => decideCorrect(b, { title: "t", body: "b", mainAudience: all }, ctx({ reason: "r" })))).toEqual([
      "main_audience.all_districts",
    ]);
  });

  it("given a held copy, when a correction with audiences arrives, then the node tracks its new recipients and withdraws the others", () => {
    const held = decideReceive(receivedFromEvent(publishedData({ organisations: [chamber] }), at, "t"), ctx({ here: "120101" }))!.state;
    expect(held.recipients.map((r) => r.key)).toEqual(["node:120101", `org:${chamber.creditCode}`]);
    const d = decideReceivedVersion(
      { ...held, revision: 1 },
      {
        version: 2,
        change: "CORRECTION",
        title: "t",
        body: "b",
        reason: "r",
        actor: "a",
        requestId: "",
        jurisdiction: "120000",
        at,
        due: null,
        audiences: {
          main: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
          copy: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
        },
      },
      ctx({ here: "120101" }),
    )!;
    expect(d.state.recipients.map((r) => [r.key, r.withdrawnVersion ?? null])).toEqual([
      ["node:120101", null],
      [`org:${chamber.creditCode}`, 2],
    ]);
  });

  it("given a node added, when the bulletin is supplied, then it holds it at version 2 with its recipients; a repeat changes nothing", () => {
    const d = corrected();
    const s = suppliedFromEvent(d.events[1]!.data as bulletinsEventsV1.BulletinSupplied, at, "t");
    const held = decideSupplied(undefined, s, ctx({ here: "120103" }))!;
    expect(held.action).toBe("BulletinSupplied");
    expect(held.state).toMatchObject({ origin: "RECEIVED", status: "PUBLISHED", currentVersion: 2, title: "更正标题" });
    expect(held.state.issueNumber).toEqual({ year: 2026, number: 3 });
    expect(held.state.recipients.map((r) => r.key)).toEqual(["node:120103"]);
    expect(decideSupplied({ ...held.state, revision: 1 }, s, ctx({ here: "120103" }))).toBeUndefined();
  });

  it("given a node removed, when the withdrawal arrives, then the bulletin is recalled there with nothing to acknowledge", () => {
    const held = { ...decideReceive(receivedFromEvent(publishedData(), at, "t"), ctx({ here: "120101" }))!.state, revision: 1 };
    const w = { version: 2, reason: "主送单位有误", actor: "editor", requestId: "", at };
    const d = decideWithdrawn(held, w, ctx({ here: "120101" }))!;
    expect(d.state).toMatchObject({ status: "RECALLED", currentVersion: 2 });
    expect(d.state.versions.at(-1)).toMatchObject({ version: 2, change: "RECALL", reason: "主送单位有误" });
    expect(d.state.recipients.every((r) => r.withdrawnVersion === 2)).toBe(true);
    expect(decideWithdrawn({ ...d.state, revision: 2 }, w, ctx({ here: "120101" }))).toBeUndefined();
  });
});

describe("限制分发: restricted bulletins", () => {
  it("given a restricted draft, when it addresses all districts, then INVALID_ARGUMENT on main_audience.all_districts", () => {
    const all = { allDistricts: true, jurisdictionCodes: [], organisations: [] };
    expect(
      violatedFields(() => decideCreateDraft(ID, content({ classification: "RESTRICTED", mainAudience: all }), ctx(), registry)),
    ).toEqual(["main_audience.all_districts"]);
  });

  it("given a restricted bulletin, then its issuers and its recipients' parties see it, others and anonymous readers do not", () => {
    const b = published({
      classification: "RESTRICTED",
      coIssuers: [federation],
      copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [chamber] },
    });
    const reader = (code: string) => readerOf(code, registry, "reader_credit_code");
    expect(visibleTo(b, reader(bureau.creditCode))).toBe(true);
    expect(visibleTo(b, reader(federation.creditCode))).toBe(true);
    // The Heping bureau stands for node 120101, a recipient; the chamber is named.
    expect(visibleTo(b, reader(hepingBureau.creditCode))).toBe(true);
    expect(visibleTo(b, reader(chamber.creditCode))).toBe(true);
    expect(visibleTo(b, reader(enterprise.creditCode))).toBe(false);
    expect(visibleTo(b, undefined)).toBe(false);
    // Not restricted: everyone.
    expect(visibleTo(published(), undefined)).toBe(true);
  });

  it("given a malformed reader credit code, then INVALID_ARGUMENT naming the field", () => {
    expect(violatedFields(() => readerOf("12345", registry, "reader_credit_code"))).toEqual(["reader_credit_code"]);
  });
});

function publishedData(copy: { organisations: (typeof chamber)[] } = { organisations: [] }): bulletinsEventsV1.BulletinPublished {
  const b = published({ copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: copy.organisations } });
  return decidePublish({ ...approved({ copyAudience: b.copyAudience }) }, 3, ctx()).events[0]!.data as bulletinsEventsV1.BulletinPublished;
}
