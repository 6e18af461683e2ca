import { NotYetApplicableError } from "@jinlian/chassis";
import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsEvents, FailedPreconditionError, InvalidArgumentError, PermissionDeniedError, type EventToEmit } from "@jinlian/chassis";
import type { bulletinsEventsV1 } from "@jinlian/proto";
import { preconditionType, violatedFields } from "@jinlian/chassis/testing";
import type { Bulletin, DraftContent } from "./bulletin";
import {
  decideAcknowledge,
  decideCorrect,
  decideCreateDraft,
  decidePublish,
  decideRecall,
  decideReceiptReceived,
  decideReceive,
  decideReceivedVersion,
  decideUpdateDraft,
  type DecisionContext,
} from "./bulletin-decisions";
import type { ReceivedBulletin } from "./bulletin-events";

const bureau = { creditCode: withCheckCharacter("11120000MB1234567"), jurisdictionCode: "120000", name: "天津市司法局" };
const chamber = { creditCode: withCheckCharacter("51120101MJ7654321"), jurisdictionCode: "120101", name: "和平区总商会" };
const at = new Date("2026-03-01T02:00:00Z");
/** Who decides, where and when, flat: the context's audit metadata is built from it as the kit builds it. */
interface Decider {
  here: string;
  now: Date;
  actor: string;
  requestId: string;
  reason: string;
}
const ctx = (over: Partial<Decider> = {}): DecisionContext => {
  const d: Decider = { here: "120000", now: at, actor: "editor", requestId: "req-1", reason: "", ...over };
  return {
    here: d.here,
    now: d.now,
    audit: { actor: d.actor, reason: d.reason, requestId: d.requestId, occurTime: d.now, jurisdictionCode: d.here },
  };
};

function content(over: Partial<DraftContent> = {}): DraftContent {
  return {
    kind: "WORK_BRIEFING",
    issuer: bureau,
    title: "工作简报",
    body: "正文",
    mainAudience: { allDistricts: false, jurisdictionCodes: ["120101", "120102"], organisations: [] },
    copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [chamber] },
    urgency: "ROUTINE",
    classification: "INTERNAL",
    acknowledgementWindowSeconds: 86400,
    ...over,
  };
}

/** The issuing node's registry: its justice bureau, the issuer (the registry names it). */
const registry = [{ ...bureau, type: "JUSTICE_BUREAU", active: true }];
/** A draft approved (签发), as publication needs. */
const draft = (): Bulletin => ({
  ...decideCreateDraft("b-1", content(), ctx(), registry).state,
  approval: { approverName: "王五", approverPosition: "局长", actor: "editor", reason: "", requestId: "", at, jurisdiction: "120000" },
  revision: 1,
});
const published = (): Bulletin => ({ ...decidePublish(draft(), 7, ctx()).state, revision: 2 });

const typesAndTargets = (events: readonly EventToEmit[]) => events.map((e) => ({ type: e.descriptor.type, subject: e.subject, to: e.to }));

describe("drafts", () => {
  it("given nothing, when a draft is created, then it is a numberless draft of this node and nothing is delivered", () => {
    const d = decideCreateDraft("b-1", content(), ctx({ reason: "月度简报" }), registry);
    expect(d.action).toBe("CreateBulletinDraft");
    expect(d.events).toEqual([]);
    expect(d.state).toMatchObject({
      bulletinId: "b-1",
      status: "DRAFT",
      origin: "ISSUED",
      issueNumber: null,
      currentVersion: 0,
      createdBy: "editor",
    });
  });

  it("given a draft, when created with an oversized reason, then the reason is a field violation", () => {
    expect(violatedFields(() => decideCreateDraft("b-1", content(), ctx({ reason: "因".repeat(1001) }), registry))).toEqual(["reason"]);
  });

  it("given a draft, when updated, then its content changes and kind and issuer stay", () => {
    const d = decideUpdateDraft(draft(), { ...content(), title: "新标题" }, ctx());
    expect(d.action).toBe("UpdateBulletinDraft");
    expect(d.state).toMatchObject({ title: "新标题", kind: "WORK_BRIEFING", issuer: bureau });
    expect(d.events).toEqual([]);
  });

  it("given a published bulletin, when updated, then it is refused", () => {
    expect(() => decideUpdateDraft(published(), content(), ctx())).toThrow(FailedPreconditionError);
  });
});

describe("publication", () => {
  it("given a draft, when published as number 7, then version 1 goes to each recipient node once, not to this node", () => {
    const d = decidePublish(draft(), 7, ctx({ reason: "按期发布" }));
    expect(d.action).toBe("PublishBulletin");
    expect(d.state).toMatchObject({ status: "PUBLISHED", currentVersion: 1, issueNumber: { year: 2026, number: 7 }, publishedAt: at });
    expect(d.state.versions).toEqual([
      expect.objectContaining({ version: 1, change: "ORIGINAL", reason: "", actor: "editor", requestId: "req-1" }),
    ]);
    expect(d.state.recipients.map((r) => r.key)).toEqual(["node:120101", "node:120102", `org:${chamber.creditCode}`]);
    // The chamber's copy is held by its district node, which already receives the bulletin.
    expect(typesAndTargets(d.events)).toEqual([
      { type: bulletinsEvents.published.type, subject: "b-1", to: [{ node: "120101" }, { node: "120102" }] },
    ]);
    const data = d.events[0]!.data as bulletinsEventsV1.BulletinPublished;
    expect(data).toMatchObject({ issueNumber: { year: 2026, number: 7 }, version: 1, acknowledgementWindowSeconds: "86400" });
    expect(data.audit).toEqual({ actor: "editor", reason: "按期发布", requestId: "req-1", occurTime: at, jurisdictionCode: "120000" });
  });

  it("given a published bulletin, when published again, then it is refused", () => {
    expect(() => decidePublish(published(), 8, ctx())).toThrow(FailedPreconditionError);
  });
});

describe("corrections and recalls", () => {
  it("given version 1, when corrected, then version 2 supersedes it and goes to every recipient node with the reason", () => {
    const d = decideCorrect(published(), { title: "更正标题", body: "更正正文" }, ctx({ reason: "数据有误" }));
    expect(d.action).toBe("CorrectBulletin");
    expect(d.state).toMatchObject({ currentVersion: 2, title: "更正标题", status: "PUBLISHED" });
    expect(d.state.versions.map((v) => [v.version, v.change, v.reason])).toEqual([
      [1, "ORIGINAL", ""],
      [2, "CORRECTION", "数据有误"],
    ]);
    expect(typesAndTargets(d.events)).toEqual([
      { type: bulletinsEvents.corrected.type, subject: "b-1", to: [{ node: "120101" }, { node: "120102" }] },
    ]);
    expect(d.events[0]!.data).toMatchObject({ version: 2, supersedesVersion: 1, title: "更正标题", audit: { reason: "数据有误" } });
  });

  it("given a correction without a reason, when decided, then the reason is required", () => {
    expect(violatedFields(() => decideCorrect(published(), { title: "t", body: "b" }, ctx()))).toEqual(["reason"]);
  });

  it("given a caller acting for an organisation that did not issue it, when it corrects or recalls, then it is refused; the issuer is not", () => {
    const other = ctx({ reason: "改" });
    const byChamber = { ...other, actingFor: chamber.creditCode };
    expect(() => decideCorrect(published(), { title: "t", body: "b" }, byChamber)).toThrow(PermissionDeniedError);
    expect(() => decideRecall(published(), byChamber)).toThrow(/only the bulletin's issuers/);
    expect(decideRecall(published(), { ...other, actingFor: bureau.creditCode }).state.status).toBe("RECALLED");
  });

  it("given version 1, when recalled, then version 2 withdraws it, nothing is due, and every recipient node is told", () => {
    const d = decideRecall(published(), ctx({ reason: "发错对象" }));
    expect(d.action).toBe("RecallBulletin");
    expect(d.state).toMatchObject({ status: "RECALLED", currentVersion: 2, ackDueAt: null });
    expect(typesAndTargets(d.events)).toEqual([
      { type: bulletinsEvents.recalled.type, subject: "b-1", to: [{ node: "120101" }, { node: "120102" }] },
    ]);
    expect(d.events[0]!.data).toMatchObject({ version: 2, supersedesVersion: 1 });
  });

  it("given a draft, when recalled, then it is refused", () => {
    expect(() => decideRecall(draft(), ctx({ reason: "r" }))).toThrow(FailedPreconditionError);
  });
});

const receivedBulletin = (): ReceivedBulletin => ({
  bulletinId: "b-9",
  kind: "SPECIAL_NOTICE",
  issuer: bureau,
  coIssuers: [],
  approval: null,
  issuingJurisdiction: "120000",
  issueNumber: { year: 2026, number: 3 },
  title: "通报",
  body: "正文",
  mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
  copyAudience: { allDistricts: false, jurisdictionCodes: ["120102"], organisations: [chamber] },
  urgency: "URGENT",
  classification: "PUBLIC",
  ackWindowSeconds: null,
  ackDueAt: null,
  version: 1,
  actor: "issuer",
  requestId: "r-9",
  occurredAt: at,
});
const district = (over: Partial<Decider> = {}) => ctx({ here: "120101", actor: "reader", ...over });

describe("receiving", () => {
  it("given a bulletin addressed to this district and its chamber, when received, then only this node's recipients are kept", () => {
    const d = decideReceive(receivedBulletin(), district())!;
    expect(d.action).toBe("BulletinReceived");
    expect(d.events).toEqual([]);
    expect(d.state).toMatchObject({ origin: "RECEIVED", status: "PUBLISHED", currentVersion: 1, createdBy: "issuer" });
    expect(d.state.recipients.map((r) => r.key)).toEqual(["node:120101", `org:${chamber.creditCode}`]);
  });

  it("given a bulletin for other nodes only, when received, then there is nothing to keep", () => {
    expect(decideReceive(receivedBulletin(), district({ here: "120103" }))).toBeUndefined();
  });

  it("given version 1 held, when version 2 (a recall) arrives, then it is recalled; when version 1 arrives again, nothing", () => {
    const held = { ...decideReceive(receivedBulletin(), district())!.state, revision: 1 };
    const version = {
      version: 2,
      change: "RECALL" as const,
      reason: "撤回",
      actor: "issuer",
      requestId: "r",
      jurisdiction: "120000",
      at,
      due: null,
    };
    const d = decideReceivedVersion(held, version, district())!;
    expect(d.action).toBe("BulletinRecalled");
    expect(d.state).toMatchObject({ status: "RECALLED", currentVersion: 2, title: "通报" });
    expect(decideReceivedVersion(held, { ...version, version: 1 }, district())).toBeUndefined();
  });

  it("given version 1 held, when version 3 arrives before version 2, then it is not applied yet (held, never skipped)", () => {
    const held = { ...decideReceive(receivedBulletin(), district())!.state, revision: 1 };
    const v3 = {
      version: 3,
      change: "CORRECTION" as const,
      reason: "更正",
      actor: "issuer",
      requestId: "r",
      jurisdiction: "120000",
      at,
      due: null,
    };
    expect(() => decideReceivedVersion(held, v3, district())).toThrow(NotYetApplicableError);
  });
});

describe("acknowledgements", () => {
  const held = (): Bulletin => ({ ...decideReceive(receivedBulletin(), district())!.state, revision: 1 });
  const ack = { receiptId: "x-1", recipient: { kind: "node" as const, jurisdictionCode: "120101" }, version: 0, readerName: "王五" };

  it("given a recipient a correction of the audience removed, when it acknowledges, then it is refused (RECIPIENT_WITHDRAWN)", () => {
    const b = held();
    const removed = { ...b, recipients: b.recipients.map((r) => ({ ...r, withdrawnVersion: 2 })) };
    expect(preconditionType(() => decideAcknowledge(removed, ack, district()))).toBe("RECIPIENT_WITHDRAWN");
  });

  it("given a received bulletin, when its recipient here acknowledges, then a receipt is kept and goes back to the issuer", () => {
    const d = decideAcknowledge(held(), ack, district({ reason: "已传达" }));
    expect(d.receipt).toMatchObject({
      recipientKey: "node:120101",
      version: 1,
      by: "reader",
      readerName: "王五",
      reason: "已传达",
      requestId: "req-1",
    });
    expect(typesAndTargets(d.events)).toEqual([{ type: bulletinsEvents.acknowledged.type, subject: "b-9", to: [{ node: "120000" }] }]);
    expect(d.events[0]!.data).toMatchObject({ acknowledgedVersion: 1, readerName: "王五", audit: { actor: "reader", reason: "已传达" } });
  });

  it("given the recipient has read the current version, when it acknowledges again, then nothing changes", () => {
    const b = held();
    b.recipients[0] = { ...b.recipients[0]!, acknowledgedVersion: 1 };
    expect(decideAcknowledge(b, ack, district())).toEqual({ receipt: undefined, action: "AcknowledgeBulletin", events: [] });
  });

  it("given a recipient held at another node, when acknowledged here, then it is refused", () => {
    const other = { ...ack, recipient: { kind: "node" as const, jurisdictionCode: "120102" } };
    expect(() => decideAcknowledge(held(), other, district())).toThrow(InvalidArgumentError);
  });

  it("given the issuer tracks a recipient at its own node, when acknowledged there, then the receipt is kept and not sent", () => {
    const local = decidePublish(
      { ...draft(), mainAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [bureau] } },
      1,
      ctx(),
    ).state;
    const d = decideAcknowledge(local, { ...ack, recipient: { kind: "organisation", organisation: bureau } }, ctx());
    expect(d.receipt?.version).toBe(1);
    expect(d.events).toEqual([]);
  });

  it("given version 2 is current at the issuer, when a receipt for version 3 arrives, then it counts for version 2; a repeat changes nothing", () => {
    const corrected = { ...decideCorrect(published(), { title: "t", body: "b" }, ctx({ reason: "r" })).state, revision: 3 };
    const r = { receiptId: "x-2", recipientKey: "node:120101", version: 3, at, by: "reader", readerName: "", reason: "", requestId: "" };
    expect(decideReceiptReceived(corrected, r)?.version).toBe(2);
    corrected.recipients[0] = { ...corrected.recipients[0]!, acknowledgedVersion: 2 };
    expect(decideReceiptReceived(corrected, r)).toBeUndefined();
  });
});
