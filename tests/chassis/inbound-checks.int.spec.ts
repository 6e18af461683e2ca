/**
 * The chassis' inbound checks on a real city node (real Kafka and PostgreSQL), through every
 * delivery handler that takes reports from a district: progress reports, campaign activities,
 * mechanism reports (liaison) and read receipts (bulletins). An event on 120101's delivery topic
 * whose source is another node or service, whose payload claims another district, or whose
 * payload breaks the service's rules is dead-lettered with the reason before any inbox row is
 * written, and changes nothing; the correct events after them are applied.
 */
import {
  bulletinsEvents,
  dataschemaFor,
  eventSource,
  liaisonEvents,
  toKafkaHeaders,
  type CloudEvent,
  type EventDescriptor,
} from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { randomUUID } from "node:crypto";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { bulletinsFootprint, query } from "../support/db";
import { readDeadLetters, type DeadLetter } from "../support/dead-letters";
import { draftRequest, HEPING_CHAMBER } from "../support/fixtures";
import { bothSides, mechanismOf } from "../support/consultation-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";
import { approveAndPublish, registerIssuers } from "../support/issuers";

jest.setTimeout(120_000);

const L = liaisonV1;
const ns = uniqueNamespace("inbound");
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "inbound-checks-test", logLevel: logLevel.NOTHING });
const liaisonUp = `${ns}.120101.liaison.to.120000`;
const bulletinsUp = `${ns}.120101.bulletins.to.120000`;
const liaisonDlq = `${ns}.120000.liaison.dlq`;
const bulletinsDlq = `${ns}.120000.bulletins.dlq`;

let city: TestNode;
let producer: Producer;
/** An action item the city assigned to 120101, a campaign targeting it, a bulletin delivered to it. */
let actionItemId: string;
let campaign: liaisonV1.Campaign;
let bulletinId: string;
const mechanismId = randomUUID();

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: ns });
  await registerIssuers(city);
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  // Consultations are held under the node's established mechanism, both sides attending.
  const { bureau, federation } = await mechanismOf(city.liaison, "120000");
  const { consultation } = await city.liaison.consultations.scheduleConsultation({
    kind: L.ConsultationKind.CONSULTATION_KIND_WORKING,
    title: "来源校验协商",
    seriesId: "",
    mechanismId: "",
    scheduledTime: new Date(Date.now() + 7 * 86_400_000),
    location: "",
    agenda: [],
    attendees: bothSides(bureau, federation),
    reason: "",
    concernedJurisdictionCodes: [],
  });
  const consultationId = consultation!.consultationId;
  await city.liaison.consultations.startConsultation({ consultationId, expectedRevision: 0, reason: "" });
  const { outcome } = await city.liaison.consultations.recordOutcome({
    consultationId,
    expectedRevision: 0,
    type: L.OutcomeType.OUTCOME_TYPE_ACTION,
    text: "议定：和平区开展法治体检",
    agendaItemId: "",
    action: {
      title: "和平区开展法治体检",
      owner: undefined,
      assigneeJurisdictionCode: "120101",
      dueTime: new Date(Date.now() + 30 * 86_400_000),
      jointOwners: [],
    },
    reason: "",
  });
  actionItemId = outcome!.actionItemId;

  const { campaign: planned } = await city.liaison.campaigns.planCampaign({
    calendarNode: L.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
    year: 2160,
    title: "宪法宣传周：来源校验",
    theme: "",
    targetJurisdictionCodes: ["120101"],
    reason: "",
    calendarNodeCode: "",
    topicTags: [],
    audienceKinds: [],
    coOrganisers: [],
  });
  campaign = (await city.liaison.campaigns.launchCampaign({ campaignId: planned!.campaignId, expectedRevision: 0, reason: "" })).campaign!;

  const { bulletin } = await city.bulletins.createBulletinDraft(
    draftRequest({
      mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
      copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [HEPING_CHAMBER] },
    }),
  );
  bulletinId = bulletin!.bulletinId;
  await approveAndPublish(city.bulletins, bulletinId);
});

afterAll(async () => {
  await producer?.disconnect();
  await city?.stop();
  await city?.database.drop();
});

// ---- events as 120101 would send them; `claim` is the jurisdiction the payload reports for ----

const audit = (jurisdictionCode: string) => ({
  actor: "heping-operator",
  reason: "",
  requestId: "r",
  occurTime: new Date(),
  jurisdictionCode,
});

/** An event as 120101's service would send it (or `source` instead), built from the catalogue's descriptor. */
function event<T>(descriptor: EventDescriptor<T>, subject: string, data: T, source?: string): CloudEvent {
  return {
    id: randomUUID(),
    source: source ?? eventSource("120101", descriptor.service),
    type: descriptor.type,
    time: new Date(),
    subject,
    dataschema: dataschemaFor(descriptor.message),
    data: descriptor.codec.encode(data).finish(),
  };
}

function progress(o: { claim?: string; note?: string; status?: liaisonV1.ActionItemStatus; source?: string } = {}): CloudEvent {
  const claim = o.claim ?? "120101";
  return event(
    liaisonEvents.actionItemProgressReported,
    actionItemId,
    {
      actionItemId,
      reportingJurisdictionCode: claim,
      status: o.status ?? L.ActionItemStatus.ACTION_ITEM_STATUS_IN_PROGRESS,
      note: o.note ?? "已启动体检",
      sequence: 1,
      owner: undefined,
      audit: audit(claim),
      reportedBy: undefined,
      jointOwners: [],
    },
    o.source,
  );
}

function activity(o: { claim?: string; eventsHeld?: number; audienceReached?: string; source?: string } = {}): CloudEvent {
  const claim = o.claim ?? "120101";
  return event(
    liaisonEvents.campaignActivityReported,
    campaign.campaignId,
    {
      campaignId: campaign.campaignId,
      activity: {
        activityId: randomUUID(),
        jurisdictionCode: claim,
        title: "宪法进商会",
        // 10:00 in Tianjin on 3 December, within Constitution Week.
        heldTime: new Date(Date.UTC(campaign.year, 11, 3, 2)),
        eventsHeld: o.eventsHeld ?? 2,
        audienceReached: o.audienceReached ?? "150",
        organiser: undefined,
        audit: audit(claim),
        revision: 1,
        withdrawn: false,
        revisionAudit: undefined,
        history: [],
      },
    },
    o.source,
  );
}

function mechanismReport(o: { claim?: string; source?: string } = {}): CloudEvent {
  const claim = o.claim ?? "120101";
  const party = (name: string) => ({
    organisationId: randomUUID(),
    departmentId: randomUUID(),
    organisation: { creditCode: "11120101MB0000000X", jurisdictionCode: claim, name },
    departmentName: "法治调研处",
  });
  return event(
    liaisonEvents.mechanismStatusReported,
    claim,
    {
      jurisdictionCode: claim,
      mechanism: {
        mechanismId,
        jurisdictionCode: claim,
        justiceBureau: party("和平区司法局"),
        federation: party("和平区工商联"),
        status: L.MechanismStatus.MECHANISM_STATUS_ESTABLISHED,
        statusSinceTime: new Date(Date.UTC(2026, 0, 2)),
        firstEstablishedTime: new Date(Date.UTC(2026, 0, 2)),
        history: [],
        revision: 2,
      },
      audit: audit(claim),
    },
    o.source,
  );
}

type Recipient = { $case: "jurisdictionCode"; value: string } | { $case: "organisation"; value: typeof HEPING_CHAMBER };

function receipt(o: { recipient?: Recipient; source?: string } = {}): CloudEvent {
  return event(
    bulletinsEvents.acknowledged,
    bulletinId,
    {
      bulletinId,
      issuingJurisdictionCode: "120000",
      recipient: { recipient: o.recipient ?? { $case: "jurisdictionCode", value: "120101" } },
      acknowledgedVersion: 1,
      readerName: "和平区司法局办公室",
      audit: audit("120101"),
      party: 0,
    },
    o.source,
  );
}

async function send(topic: string, events: CloudEvent[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => ({ key: e.subject, value: Buffer.from(e.data), headers: toKafkaHeaders(e) })),
  });
}

// Letters accumulate on the dead-letter topics over the tests of this file.
const lettersSoFar = new Map<string, number>();

/** The dead letters of these events, once all of them are on the topic. */
async function deadLettersOf(topic: string, events: CloudEvent[]): Promise<Map<string, DeadLetter>> {
  const expected = (lettersSoFar.get(topic) ?? 0) + events.length;
  lettersSoFar.set(topic, expected);
  const letters = await readDeadLetters(kafka, topic, expected);
  const byId = new Map(letters.map((l) => [l.eventId, l]));
  for (const e of events) expect(byId.has(e.id)).toBe(true);
  return byId;
}

/** Row counts (and revision sums) of everything a delivery handler at the city could change. */
async function footprint(): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    city.database.url,
    `select (select coalesce(sum(revision), 0) from liaison.action_items) as action_item_revisions,
            (select count(*) from liaison.action_item_progress) as progress,
            (select count(*) from liaison.campaign_activities) as activities,
            (select count(*) from liaison.mechanism_roll_up) as roll_up,
            (select coalesce(sum(revision), 0) from liaison.mechanism_roll_up) as roll_up_revisions,
            (select count(*) from liaison.audit_entries) as audit,
            (select count(*) from liaison.inbox) as liaison_inbox,
            (select coalesce(sum(acknowledged_version), 0) from bulletins.bulletin_recipients) as acknowledged,
            (select count(*) from bulletins.inbox where consumer = 'deliveries') as bulletins_inbox`,
  );
  const counts = Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  return { ...counts, ...(await bulletinsFootprint(city.database.url)) };
}

async function inboxRows(events: CloudEvent[]): Promise<number> {
  const ids = events.map((e) => e.id);
  const [row] = await query<{ n: string }>(
    city.database.url,
    // The receiving services' delivery consumers (bulletins also reads these topics for briefings).
    `select (select count(*) from liaison.inbox where consumer = 'deliveries' and event_id = any($1))
          + (select count(*) from bulletins.inbox where consumer = 'deliveries' and event_id = any($1)) as n`,
    [ids],
  );
  return Number(row!.n);
}

const expectLetters = (byId: Map<string, DeadLetter>, events: CloudEvent[], reason: string, check: string, error: RegExp) => {
  for (const e of events) {
    const letter = byId.get(e.id)!;
    expect({ type: e.type, reason: letter.reason, check: letter.check }).toEqual({ type: e.type, reason, check });
    expect(letter.error).toMatch(error);
  }
};

describe("an event on 120101's delivery topic at the city", () => {
  it("is dead-lettered as FORGED when its source is another district's node, for every delivery handler, changing nothing", async () => {
    const before = await footprint();
    const liaisonForged = [
      progress({ source: "/jinlian/120102/liaison" }),
      activity({ source: "/jinlian/120102/liaison" }),
      mechanismReport({ source: "/jinlian/120102/liaison" }),
    ];
    const bulletinsForged = [receipt({ source: "/jinlian/120102/bulletins" })];
    await send(liaisonUp, liaisonForged);
    await send(bulletinsUp, bulletinsForged);

    const liaison = await deadLettersOf(liaisonDlq, liaisonForged);
    const bulletins = await deadLettersOf(bulletinsDlq, bulletinsForged);
    expectLetters(
      liaison,
      liaisonForged,
      "FORGED",
      "source_not_sender",
      /names node 120102, but .*\.120101\.liaison\.to\.120000 is written by node 120101/,
    );
    expectLetters(bulletins, bulletinsForged, "FORGED", "source_not_sender", /names node 120102/);
    expect(await inboxRows([...liaisonForged, ...bulletinsForged])).toBe(0);
    expect(await footprint()).toEqual(before);
  });

  it("is dead-lettered as FORGED when its source is another service or not a node's source at all", async () => {
    const before = await footprint();
    const wrongService = progress({ source: "/jinlian/120101/bulletins" });
    const unparsable = progress({ source: "/jinlian/120101/liaison/" });
    await send(liaisonUp, [wrongService, unparsable]);
    const letters = await deadLettersOf(liaisonDlq, [wrongService, unparsable]);
    expectLetters(letters, [wrongService], "FORGED", "source_wrong_service", /names service bulletins, but .* carries liaison events/);
    expectLetters(letters, [unparsable], "FORGED", "source_unparsable", /is not \/jinlian\/<node>\/<service>/);
    expect(await inboxRows([wrongService, unparsable])).toBe(0);
    expect(await footprint()).toEqual(before);
  });

  it("is dead-lettered as FORGED when its payload reports for another district than the sender, changing nothing", async () => {
    const before = await footprint();
    const liaisonClaims = [progress({ claim: "120102" }), activity({ claim: "120102" }), mechanismReport({ claim: "120102" })];
    const bulletinsClaims = [
      receipt({ recipient: { $case: "jurisdictionCode", value: "120102" } }),
      // An organisation's copy is held, and acknowledged, at the organisation's node.
      receipt({ recipient: { $case: "organisation", value: { ...HEPING_CHAMBER, jurisdictionCode: "120102" } } }),
    ];
    await send(liaisonUp, liaisonClaims);
    await send(bulletinsUp, bulletinsClaims);

    const liaison = await deadLettersOf(liaisonDlq, liaisonClaims);
    const bulletins = await deadLettersOf(bulletinsDlq, bulletinsClaims);
    expectLetters(liaison, liaisonClaims, "FORGED", "claims_other_node", /reports for "120102", but was sent by node 120101/);
    expectLetters(bulletins, bulletinsClaims, "FORGED", "claims_other_node", /reports for "120102", but was sent by node 120101/);
    expect(await inboxRows([...liaisonClaims, ...bulletinsClaims])).toBe(0);
    expect(await footprint()).toEqual(before);
  });

  it("is dead-lettered as REFUSED with the violations when the service's validator refuses its payload, changing nothing", async () => {
    const before = await footprint();
    const badProgress = progress({ note: "  ", status: L.ActionItemStatus.ACTION_ITEM_STATUS_UNSPECIFIED });
    const badActivity = activity({ eventsHeld: 0, audienceReached: "2000000000" });
    await send(liaisonUp, [badProgress, badActivity]);

    const letters = await deadLettersOf(liaisonDlq, [badProgress, badActivity]);
    expectLetters(letters, [badProgress, badActivity], "REFUSED", "invalid_payload", /^invalid payload: /);
    expect(letters.get(badProgress.id)!.error).toMatch(/data\.status: .*; data\.note: is required/);
    expect(letters.get(badActivity.id)!.error).toMatch(/data\.activity\.events_held: .*; data\.activity\.audience_reached: /);
    expect(await inboxRows([badProgress, badActivity])).toBe(0);
    expect(await footprint()).toEqual(before);
  });

  it("is applied when it comes from the sender and reports for it, after the refused ones", async () => {
    const good = { progress: progress(), activity: activity(), mechanism: mechanismReport(), receipt: receipt() };
    await send(liaisonUp, [good.progress, good.activity, good.mechanism]);
    await send(bulletinsUp, [good.receipt]);

    await waitFor(
      async () =>
        (await city.liaison.consultations.getActionItem({ actionItemId })).actionItem!.status ===
        L.ActionItemStatus.ACTION_ITEM_STATUS_IN_PROGRESS,
      { timeoutMs: 30_000, intervalMs: 200, what: "the progress report applied" },
    );
    await waitFor(
      async () => (await city.liaison.campaigns.getCampaignRollUp({ campaignId: campaign.campaignId })).jurisdictions[1]?.activities === 1,
      { timeoutMs: 30_000, intervalMs: 200, what: "the activity applied" },
    );
    await waitFor(
      async () =>
        (await city.liaison.mechanisms.getMechanismRollUp({ status: 0 })).jurisdictions.find((j) => j.jurisdictionCode === "120101")
          ?.status === L.MechanismStatus.MECHANISM_STATUS_ESTABLISHED,
      { timeoutMs: 30_000, intervalMs: 200, what: "the mechanism report applied" },
    );
    const acknowledged = await waitFor(
      async () => {
        const rows = await query<{ recipient_key: string; acknowledged_version: number }>(
          city.database.url,
          "select recipient_key, acknowledged_version from bulletins.bulletin_recipients where bulletin_id = $1 order by recipient_key",
          [bulletinId],
        );
        return rows.some((r) => r.acknowledged_version > 0) && rows;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "the read receipt applied" },
    );
    // Only 120101's own copy is read: the chamber's copy (an organisation of 120101) was not acknowledged.
    expect(acknowledged).toEqual([
      { recipient_key: "node:120101", acknowledged_version: 1 },
      { recipient_key: `org:${HEPING_CHAMBER.creditCode}`, acknowledged_version: 0 },
    ]);
    expect(await inboxRows(Object.values(good))).toBe(4);
  });
});
