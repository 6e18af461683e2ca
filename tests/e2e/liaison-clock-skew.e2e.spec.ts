/**
 * A district's progress reports reach the city whatever the nodes' clocks say: both nodes on one
 * clock set back months from real time (as the federation test once ran them), and the district's
 * clock five minutes behind or ahead of the city's, as real skew between two nodes. The times the
 * test sends (a meeting tomorrow, a due date in 30 days) are real time, as in that test. Besides the
 * status, each case checks where the clocks show up: the report keeps the district's time, the
 * city's audit entry the city's; nothing is held or dead-lettered on the way.
 */
import { liaisonV1 } from "@jinlian/proto";
import { deadLetterTopic } from "@jinlian/subscriber";
import { Kafka, logLevel } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { bothSides, mechanismOf } from "../support/consultation-fixtures";
import { query } from "../support/db";
import { clockAt } from "../support/legislation-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

const L = liaisonV1;
const S = L.ActionItemStatus;
const MINUTE = 60_000;
const DAY = 86_400_000;
jest.setTimeout(60_000);

const ns = uniqueNamespace("clock-skew");
/** The city's clock: months behind real time, moving on from there. */
const cityClock = clockAt("2026-03-02T01:00:00Z");
/** The district's clock is the city's, `skewMs` off: 0 is literally one clock for both nodes. */
let skewMs = 0;
const districtClock = { now: () => new Date(cityClock.now().getTime() + skewMs) };

let city: TestNode;
let district: TestNode; // 120101
let consultationId: string;

beforeAll(async () => {
  [city, district] = await Promise.all([
    startTestNode({ jurisdictionCode: "120000", namespace: ns, clock: cityClock, target: "liaison" }),
    startTestNode({ jurisdictionCode: "120101", namespace: ns, clock: districtClock, target: "liaison" }),
  ]);
  const m = await mechanismOf(city.liaison, "120000");
  const { consultation } = await city.liaison.consultations.scheduleConsultation({
    kind: L.ConsultationKind.CONSULTATION_KIND_WORKING,
    title: "各区商会法治体检工作协商",
    seriesId: "",
    mechanismId: "",
    scheduledTime: new Date(Date.now() + DAY),
    location: "天津市司法局",
    agenda: [],
    attendees: bothSides(m.bureau, m.federation),
    reason: "",
    concernedJurisdictionCodes: [],
  });
  consultationId = consultation!.consultationId;
  await city.liaison.consultations.startConsultation({ consultationId, expectedRevision: 0, reason: "" });
});

afterAll(async () => {
  for (const n of [city, district]) await n?.stop();
  for (const n of [city, district]) await n?.database.drop();
});

async function actionItemAt(node: TestNode, id: string): Promise<liaisonV1.ActionItem | undefined> {
  try {
    return (await node.liaison.consultations.getActionItem({ actionItemId: id })).actionItem;
  } catch {
    return undefined;
  }
}

/** Progress reports the district has sent so far (over all cases). */
let reportsSent = 0;

/** The district reports `status` on `item`; returns the district's clock just before and after. */
async function report(item: liaisonV1.ActionItem, status: liaisonV1.ActionItemStatus, note: string): Promise<[number, number]> {
  reportsSent++;
  const before = districtClock.now().getTime();
  await district.liaison.consultations.updateActionItemProgress({
    actionItemId: item.actionItemId,
    expectedRevision: item.revision,
    status,
    note,
    owner: undefined,
    jointOwners: [],
    reportingOrganisationId: "",
    reportingCreditCode: "",
  });
  return [before, districtClock.now().getTime()];
}

/** Waits until the city shows the item in `status`; returns it and the city's clock since `before`. */
async function atCityWhen(
  id: string,
  status: liaisonV1.ActionItemStatus,
  before: number,
): Promise<[liaisonV1.ActionItem, [number, number]]> {
  const item = await waitFor(
    async () => {
      const x = await actionItemAt(city, id);
      return x?.status === status ? x : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: `${S[status]} at the city` },
  );
  return [item, [before, cityClock.now().getTime()]];
}

async function deadLetterCount(code: string): Promise<number> {
  const admin = new Kafka({ brokers: kafkaBrokers(), clientId: "clock-skew-test", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(deadLetterTopic(ns, code, "liaison"));
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

const within = (t: Date | undefined, [from, to]: [number, number]) => {
  expect(t).toBeDefined();
  expect(t!.getTime()).toBeGreaterThanOrEqual(from);
  expect(t!.getTime()).toBeLessThanOrEqual(to);
};

it.each([
  ["both nodes on one clock, months behind real time", 0],
  ["the district's clock 5 minutes behind the city's", -5 * MINUTE],
  ["the district's clock 5 minutes ahead of the city's", 5 * MINUTE],
])("applies a district's progress at the city with %s", async (_case, skew) => {
  skewMs = skew;
  const { outcome } = await city.liaison.consultations.recordOutcome({
    consultationId,
    expectedRevision: 0,
    type: L.OutcomeType.OUTCOME_TYPE_ACTION,
    text: `和平区完成辖区商会法治体检（${skew / MINUTE}）`,
    agendaItemId: "",
    action: {
      title: "完成辖区商会法治体检",
      owner: undefined,
      assigneeJurisdictionCode: "120101",
      dueTime: new Date(Date.now() + 30 * DAY),
      jointOwners: [],
    },
    reason: "市级部署",
  });
  const id = outcome!.actionItemId;
  const received = await waitFor(() => actionItemAt(district, id), { timeoutMs: 20_000, intervalMs: 200, what: "the item at 120101" });

  let cityBefore = cityClock.now().getTime();
  const firstAt = await report(received, S.ACTION_ITEM_STATUS_IN_PROGRESS, "已制定体检方案");
  const [working, appliedFirst] = await atCityWhen(id, S.ACTION_ITEM_STATUS_IN_PROGRESS, cityBefore);
  const atDistrict = (await actionItemAt(district, id))!;
  cityBefore = cityClock.now().getTime();
  const doneAt = await report(atDistrict, S.ACTION_ITEM_STATUS_DONE, "完成38家商会体检");
  const [done, appliedDone] = await atCityWhen(id, S.ACTION_ITEM_STATUS_DONE, cityBefore);
  expect(working.progress).toHaveLength(1);

  // Each report keeps the district's time; the city records applying it at its own.
  expect(done.progress.map((p) => [p.status, p.audit!.jurisdictionCode])).toEqual([
    [S.ACTION_ITEM_STATUS_IN_PROGRESS, "120101"],
    [S.ACTION_ITEM_STATUS_DONE, "120101"],
  ]);
  within(done.progress[0]!.audit!.occurTime, firstAt);
  within(done.progress[1]!.audit!.occurTime, doneAt);
  const { entries } = await city.liaison.audit.listAuditEntries({ aggregateType: "action_item", aggregateId: id, actor: "" });
  const applied = entries.filter((e) => e.action === "ActionItemProgressReported").reverse();
  expect(applied).toHaveLength(2);
  within(applied[0]!.audit!.occurTime, appliedFirst);
  within(applied[1]!.audit!.occurTime, appliedDone);

  // Applied through the inbox, nothing held back for later or dead-lettered.
  const inbox = await query<{ n: string }>(
    city.database.url,
    "select count(*) as n from liaison.inbox where event_type = 'jinlian.liaison.action-item.progressed.v1' and event_source = '/jinlian/120101/liaison'",
  );
  expect(Number(inbox[0]!.n)).toBe(reportsSent);
  expect(await query(city.database.url, "select event_type, reason from liaison.inbox_held")).toEqual([]);
  expect(await deadLetterCount("120000")).toBe(0);
  expect(await deadLetterCount("120101")).toBe(0);
});
