/**
 * CampaignService over gRPC against real Kafka and PostgreSQL: planning, launching and closing at
 * the municipal node, activity reports, lists and the roll-up; a district node's own rules; and
 * the campaign deliveries applied from hand-made events (repeats change nothing, refused events
 * are dead-lettered). Every refused call is shown to change nothing.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { dataschemaFor, toKafkaHeaders, type CloudEvent } from "@jinlian/chassis";
import { liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { answersCheckedAgainstReads } from "../support/answers";
import { query } from "../support/db";
import { OrgType, registerParty } from "../support/liaison-fixtures";
import { readDeadLetters } from "../support/dead-letters";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

const C = liaisonV1;
jest.setTimeout(120_000);

/**
 * A node's campaign service, each write's answer checked against GetCampaign right after: the
 * campaign itself, or the activity among its activities.
 */
const campaignsOf = (node: TestNode) => {
  const read = async (campaignId: string) => (await node.liaison.campaigns.getCampaign({ campaignId })).campaign;
  return answersCheckedAgainstReads(
    answersCheckedAgainstReads(node.liaison.campaigns, "campaign", (c: liaisonV1.Campaign) => read(c.campaignId)),
    "activity",
    async (a: liaisonV1.CampaignActivity, request) =>
      (await read(String(request.campaignId))!)?.activities.find((x) => x.activityId === a.activityId),
  );
};

const ns = uniqueNamespace("campaigns");
const districtNs = uniqueNamespace("campaigns-d");
let city: TestNode;
let district: TestNode; // 120101 in a namespace of its own: only hand-made events reach it
let producer: Producer;
const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "campaign-int", logLevel: logLevel.NOTHING });

beforeAll(async () => {
  [city, district] = await Promise.all([
    startTestNode({
      jurisdictionCode: "120000",
      namespace: ns,
      // A calendar node beyond the built-in three, and Constitution Week set for one year.
      environment: {
        LIAISON_CAMPAIGN_CALENDAR: JSON.stringify([
          { code: "CONSTITUTION_WEEK", years: { "2998": { start: "11-29", end: "12-05" } } },
          { code: "NATIONAL_SECURITY_EDUCATION_DAY", name: "全民国家安全教育日", start: "04-15", end: "04-15" },
        ]),
      },
    }),
    startTestNode({ jurisdictionCode: "120101", namespace: districtNs }),
  ]);
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  for (const n of [city, district]) await n?.stop();
  for (const n of [city, district]) await n?.database.drop();
});

// Each test plans in years of its own, so tests sharing the node do not collide on (node, year).
let years = 2100;
const nextYear = () => years++;

function planRequest(over: Partial<liaisonV1.PlanCampaignRequest> = {}): liaisonV1.PlanCampaignRequest {
  return {
    calendarNode: C.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
    year: over.year ?? nextYear(),
    title: "宪法宣传周：宪法进商会",
    theme: "弘扬宪法精神 护航民营经济",
    targetJurisdictionCodes: [],
    reason: "年度普法计划",
    calendarNodeCode: "",
    topicTags: [],
    audienceKinds: [],
    coOrganisers: [],
    ...over,
  };
}

/** A time in Tianjin (UTC+8) on a December day of Constitution Week. */
const inWeek = (year: number, day = 3, hour = 10) => new Date(Date.UTC(year, 11, day, hour - 8));

function reportRequest(c: liaisonV1.Campaign, over: Partial<liaisonV1.ReportCampaignActivityRequest> = {}) {
  return {
    campaignId: c.campaignId,
    title: "宪法进商会宣讲",
    heldTime: inWeek(c.year),
    eventsHeld: 2,
    audienceReached: "120",
    organiserOrganisationId: "",
    organiserCreditCode: "",
    reason: "",
    ...over,
  };
}

const noFilter: liaisonV1.CampaignFilter = {
  calendarNode: 0,
  year: 0,
  status: 0,
  origin: 0,
  targetJurisdictionCode: "",
  calendarNodeCode: "",
  topicTag: "",
};

async function plan(node: TestNode, over: Partial<liaisonV1.PlanCampaignRequest> = {}): Promise<liaisonV1.Campaign> {
  return (await campaignsOf(node).planCampaign(planRequest(over))).campaign!;
}

async function launched(node: TestNode, over: Partial<liaisonV1.PlanCampaignRequest> = {}): Promise<liaisonV1.Campaign> {
  const c = await plan(node, over);
  return (await campaignsOf(node).launchCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" })).campaign!;
}

/** Row counts of what a campaign mutation touches, to prove a refused call changed nothing. */
async function footprint(node: TestNode): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    node.database.url,
    `select (select count(*) from liaison.campaigns) as campaigns,
            (select coalesce(sum(revision), 0) from liaison.campaigns) as revisions,
            (select count(*) from liaison.campaigns where status = 'CLOSED') as closed,
            (select count(*) from liaison.campaign_activities) as activities,
            (select coalesce(sum(revision), 0) from liaison.campaign_activities) as activity_revisions,
            (select count(*) from liaison.outbox) as outbox,
            (select count(*) from liaison.audit_entries) as audit`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

async function outboxOf(node: TestNode, campaignId: string): Promise<{ topic: string; event_type: string }[]> {
  return query(node.database.url, "select topic, event_type from liaison.outbox where message_key = $1 order by seq", [campaignId]);
}

async function auditOf(node: TestNode, campaignId: string) {
  const { entries } = await node.liaison.audit.listAuditEntries({
    aggregateType: "campaign",
    aggregateId: campaignId,
    actor: "",
    page: undefined,
  });
  return entries.map((e) => [e.action, e.revision, e.audit!.actor, e.audit!.reason]).reverse();
}

describe("planning a campaign at the municipal node", () => {
  it("plans a Constitution Week campaign for all 16 districts with its CST period, audited with the reason", async () => {
    const year = nextYear();
    const c = await plan(city, { year });
    expect(c).toMatchObject({
      calendarNode: C.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
      year,
      title: "宪法宣传周：宪法进商会",
      theme: "弘扬宪法精神 护航民营经济",
      status: C.CampaignStatus.CAMPAIGN_STATUS_PLANNED,
      origin: C.CampaignOrigin.CAMPAIGN_ORIGIN_ISSUED,
      issuingJurisdictionCode: "120000",
      revision: 1,
      activities: [],
    });
    expect(c.startTime!.toISOString()).toBe(`${year}-11-30T16:00:00.000Z`);
    expect(c.endTime!.toISOString()).toBe(`${year}-12-07T16:00:00.000Z`);
    expect(c.targetJurisdictionCodes).toHaveLength(16);
    expect(c.targetJurisdictionCodes[0]).toBe("120101");
    expect(await auditOf(city, c.campaignId)).toEqual([["PlanCampaign", 1, "test-operator", "年度普法计划"]]);
    // Planning pushes nothing yet.
    expect(await outboxOf(city, c.campaignId)).toEqual([]);
  });

  it("keeps named targets in code order and computes each calendar node's period", async () => {
    const day = await plan(city, {
      calendarNode: C.CalendarNode.CALENDAR_NODE_NATIONAL_CONSTITUTION_DAY,
      targetJurisdictionCodes: ["120102", "120101"],
    });
    expect(day.targetJurisdictionCodes).toEqual(["120101", "120102"]);
    expect(day.startTime!.toISOString()).toBe(`${day.year}-12-03T16:00:00.000Z`);
    expect(day.endTime!.toISOString()).toBe(`${day.year}-12-04T16:00:00.000Z`);
    const month = await plan(city, { calendarNode: C.CalendarNode.CALENDAR_NODE_CIVIL_CODE_MONTH });
    expect(month.startTime!.toISOString()).toBe(`${month.year}-04-30T16:00:00.000Z`);
    expect(month.endTime!.toISOString()).toBe(`${month.year}-05-31T16:00:00.000Z`);
  });

  it("plans more than one campaign for the same calendar node and year", async () => {
    const year = nextYear();
    const first = await plan(city, { year });
    const second = await plan(city, { year, title: "宪法宣传周：商会专场" });
    expect(second.campaignId).not.toBe(first.campaignId);
    const { campaigns } = await campaignsOf(city).listCampaigns({
      filter: { calendarNode: 0, year, status: 0, origin: 0, targetJurisdictionCode: "", calendarNodeCode: "", topicTag: "" },
      page: undefined,
    });
    expect(campaigns.map((c) => c.title).sort()).toEqual(["宪法宣传周：商会专场", "宪法宣传周：宪法进商会"]);
  });

  const bad: [string, Partial<liaisonV1.PlanCampaignRequest>, string[]][] = [
    ["an empty request", { calendarNode: 0, year: 0, title: "" }, ["calendar_node", "year", "title"]],
    ["an undefined calendar node", { calendarNode: 9 as liaisonV1.CalendarNode }, ["calendar_node"]],
    [
      "a year out of range and an oversized title and theme",
      { year: 3000, title: "标".repeat(201), theme: "题".repeat(501) },
      ["year", "title", "theme"],
    ],
    [
      "the city, an unknown code and a duplicate as targets",
      { targetJurisdictionCodes: ["120101", "120000", "999999", "120101"] },
      ["target_jurisdiction_codes[1]", "target_jurisdiction_codes[2]", "target_jurisdiction_codes[3]"],
    ],
    ["an oversized reason", { reason: "因".repeat(501) }, ["reason"]],
  ];
  it.each(bad)("refuses %s with INVALID_ARGUMENT naming each field, changing nothing", async (_what, over, fields) => {
    const before = await footprint(city);
    const err = await statusOf(campaignsOf(city).planCampaign(planRequest(over)));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.fieldViolations.map((v) => v.field)).toEqual(fields);
    expect(await footprint(city)).toEqual(before);
  });

  it("answers a repeated request id with the first campaign instead of ALREADY_EXISTS", async () => {
    const req = planRequest();
    const requestId = "plan-" + randomUUID();
    const a = await campaignsOf(city).planCampaign(req, { requestId });
    const before = await footprint(city);
    const b = await campaignsOf(city).planCampaign(req, { requestId });
    expect(b.campaign!.campaignId).toBe(a.campaign!.campaignId);
    expect(await footprint(city)).toEqual(before);
  });
});

describe("launching and closing", () => {
  it("launches a planned campaign and pushes it to each target district; closes it and tells them", async () => {
    const c = await plan(city, { targetJurisdictionCodes: ["120101", "120102"] });
    const { campaign: l } = await campaignsOf(city).launchCampaign({
      campaignId: c.campaignId,
      expectedRevision: 1,
      reason: "按计划启动",
    });
    expect(l).toMatchObject({ status: C.CampaignStatus.CAMPAIGN_STATUS_LAUNCHED, revision: 2 });
    expect(await outboxOf(city, c.campaignId)).toEqual([
      { topic: `${ns}.120000.liaison.to.120101`, event_type: "jinlian.liaison.campaign.launched.v1" },
      { topic: `${ns}.120000.liaison.to.120102`, event_type: "jinlian.liaison.campaign.launched.v1" },
    ]);
    const { campaign: closed } = await campaignsOf(city).closeCampaign({
      campaignId: c.campaignId,
      expectedRevision: 2,
      reason: "活动结束",
    });
    expect(closed).toMatchObject({ status: C.CampaignStatus.CAMPAIGN_STATUS_CLOSED, revision: 3 });
    expect((await outboxOf(city, c.campaignId)).slice(2)).toEqual([
      { topic: `${ns}.120000.liaison.to.120101`, event_type: "jinlian.liaison.campaign.closed.v1" },
      { topic: `${ns}.120000.liaison.to.120102`, event_type: "jinlian.liaison.campaign.closed.v1" },
    ]);
    expect(await auditOf(city, c.campaignId)).toEqual([
      ["PlanCampaign", 1, "test-operator", "年度普法计划"],
      ["LaunchCampaign", 2, "test-operator", "按计划启动"],
      ["CloseCampaign", 3, "test-operator", "活动结束"],
    ]);
  });

  it("carries the campaign as launched in the event payload", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120103"] });
    const [row] = await query<{ payload: Buffer }>(city.database.url, "select payload from liaison.outbox where message_key = $1", [
      c.campaignId,
    ]);
    const e = liaisonEventsV1.CampaignLaunched.decode(row!.payload);
    expect(e.campaignId).toBe(c.campaignId);
    expect(e.campaign).toMatchObject({
      campaignId: c.campaignId,
      status: C.CampaignStatus.CAMPAIGN_STATUS_LAUNCHED,
      targetJurisdictionCodes: ["120103"],
      activities: [],
    });
    expect(e.audit).toMatchObject({ actor: "test-operator", jurisdictionCode: "120000" });
  });

  it("refuses a stale revision with ABORTED and wrong states with FAILED_PRECONDITION, changing nothing", async () => {
    const c = await plan(city, { targetJurisdictionCodes: ["120101"] });
    let before = await footprint(city);
    const stale = await statusOf(campaignsOf(city).launchCampaign({ campaignId: c.campaignId, expectedRevision: 2, reason: "" }));
    expect(stale.code).toBe(status.ABORTED);
    const early = await statusOf(campaignsOf(city).closeCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" }));
    expect(early.code).toBe(status.FAILED_PRECONDITION);
    expect(early.preconditionViolations[0]).toMatchObject({ type: "CAMPAIGN_NOT_LAUNCHED", subject: `campaign/${c.campaignId}` });
    expect(await footprint(city)).toEqual(before);

    await campaignsOf(city).launchCampaign({ campaignId: c.campaignId, expectedRevision: 1, reason: "" });
    before = await footprint(city);
    const twice = await statusOf(campaignsOf(city).launchCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" }));
    expect(twice.code).toBe(status.FAILED_PRECONDITION);
    expect(twice.preconditionViolations[0]!.type).toBe("CAMPAIGN_NOT_PLANNED");
    const staleClose = await statusOf(campaignsOf(city).closeCampaign({ campaignId: c.campaignId, expectedRevision: 1, reason: "" }));
    expect(staleClose.code).toBe(status.ABORTED);
    expect(await footprint(city)).toEqual(before);

    await campaignsOf(city).closeCampaign({ campaignId: c.campaignId, expectedRevision: 2, reason: "" });
    before = await footprint(city);
    const again = await statusOf(campaignsOf(city).closeCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" }));
    expect(again.code).toBe(status.FAILED_PRECONDITION);
    expect(await footprint(city)).toEqual(before);
  });

  it("answers NOT_FOUND for an unknown campaign and INVALID_ARGUMENT for a malformed id, revision or reason", async () => {
    const missing = randomUUID();
    expect((await statusOf(campaignsOf(city).launchCampaign({ campaignId: missing, expectedRevision: 0, reason: "" }))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await statusOf(campaignsOf(city).getCampaign({ campaignId: missing }))).code).toBe(status.NOT_FOUND);
    const bad = await statusOf(campaignsOf(city).closeCampaign({ campaignId: "nope", expectedRevision: -1, reason: "因".repeat(501) }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["campaign_id", "expected_revision", "reason"]);
    expect((await statusOf(campaignsOf(city).getCampaign({ campaignId: "nope" }))).fieldViolations).toEqual([
      { field: "campaign_id", description: "must be a UUID" },
    ]);
  });
});

describe("reporting activities", () => {
  it("records an activity of the city under its own launched campaign, without pushing anything", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120101"] });
    const outbox = (await outboxOf(city, c.campaignId)).length;
    const { activity } = await campaignsOf(city).reportCampaignActivity(
      reportRequest(c, { title: " 市级宪法宣传广场活动 ", eventsHeld: 1, audienceReached: "3000", reason: "现场统计" }),
    );
    expect(activity).toMatchObject({
      jurisdictionCode: "120000",
      title: "市级宪法宣传广场活动",
      eventsHeld: 1,
      audienceReached: "3000",
      organiser: undefined,
      audit: { actor: "test-operator", reason: "现场统计", jurisdictionCode: "120000" },
    });
    expect(activity!.heldTime).toEqual(inWeek(c.year));
    expect(activity!.activityId).toMatch(/^[0-9a-f-]{36}$/);
    const { campaign } = await campaignsOf(city).getCampaign({ campaignId: c.campaignId });
    expect(campaign!.activities).toEqual([activity]);
    expect(campaign!.revision).toBe(2);
    expect((await outboxOf(city, c.campaignId)).length).toBe(outbox);
    expect((await auditOf(city, c.campaignId)).at(-1)).toEqual(["ReportCampaignActivity", 2, "test-operator", "现场统计"]);
  });

  it("takes reports only while launched: planned and closed campaigns refuse with FAILED_PRECONDITION, changing nothing", async () => {
    const planned = await plan(city);
    let before = await footprint(city);
    const early = await statusOf(campaignsOf(city).reportCampaignActivity(reportRequest(planned)));
    expect(early.code).toBe(status.FAILED_PRECONDITION);
    expect(early.preconditionViolations[0]!.type).toBe("CAMPAIGN_NOT_LAUNCHED");
    expect(await footprint(city)).toEqual(before);

    const c = await launched(city);
    await campaignsOf(city).closeCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" });
    before = await footprint(city);
    const late = await statusOf(campaignsOf(city).reportCampaignActivity(reportRequest(c)));
    expect(late.code).toBe(status.FAILED_PRECONDITION);
    expect(await footprint(city)).toEqual(before);
  });

  it("refuses an activity held outside the period (end exclusive, in CST) and bad numbers, changing nothing", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120101"] });
    const before = await footprint(city);
    const cases: [Partial<liaisonV1.ReportCampaignActivityRequest>, string[]][] = [
      [{ heldTime: inWeek(c.year, 8, 0) }, ["held_time"]], // 00:00 on 8 December in Tianjin: the first instant after the week
      [{ heldTime: inWeek(c.year, 30, 23) }, ["held_time"]], // 31 December
      [{ heldTime: new Date(Date.UTC(c.year, 10, 30, 15, 59, 59)) }, ["held_time"]], // 23:59:59 on 30 November in Tianjin
      [{ heldTime: undefined, title: "", eventsHeld: 0, audienceReached: "-5" }, ["title", "held_time", "events_held", "audience_reached"]],
      [{ audienceReached: "1000000001", eventsHeld: 10_001 }, ["events_held", "audience_reached"]],
      [{ organiserOrganisationId: "nope" }, ["organiser_organisation_id"]],
      [{ campaignId: "nope" }, ["campaign_id"]],
    ];
    for (const [over, fields] of cases) {
      const err = await statusOf(campaignsOf(city).reportCampaignActivity(reportRequest(c, over)));
      expect([err.code, err.fieldViolations.map((v) => v.field)]).toEqual([status.INVALID_ARGUMENT, fields]);
    }
    expect(await footprint(city)).toEqual(before);
    // The first and last instants of the week count.
    await campaignsOf(city).reportCampaignActivity(reportRequest(c, { heldTime: new Date(Date.UTC(c.year, 10, 30, 16)) }));
    await campaignsOf(city).reportCampaignActivity(reportRequest(c, { heldTime: new Date(Date.UTC(c.year, 11, 7, 15, 59, 59, 999)) }));
    expect((await footprint(city)).activities).toBe(before.activities + 2);
  });

  it("names a registered, active organiser; an unknown one is INVALID_ARGUMENT and a deactivated one FAILED_PRECONDITION", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120101"] });
    const chamber = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "天津市总商会",
      jurisdictionCode: "120000",
    });
    const { activity } = await campaignsOf(city).reportCampaignActivity(
      reportRequest(c, { organiserOrganisationId: chamber.organisation.organisationId }),
    );
    expect(activity!.organiser).toEqual({
      creditCode: chamber.organisation.creditCode,
      jurisdictionCode: "120000",
      name: "天津市总商会",
    });

    const gone = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
      name: "已注销企业",
      jurisdictionCode: "120000",
    });
    await city.liaison.registry.deactivateOrganisation({
      organisationId: gone.organisation.organisationId,
      expectedRevision: 0,
      reason: "注销",
    });
    const before = await footprint(city);
    const unknown = await statusOf(campaignsOf(city).reportCampaignActivity(reportRequest(c, { organiserOrganisationId: randomUUID() })));
    expect(unknown.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.fieldViolations[0]!.field).toBe("organiser_organisation_id");
    const deactivated = await statusOf(
      campaignsOf(city).reportCampaignActivity(reportRequest(c, { organiserOrganisationId: gone.organisation.organisationId })),
    );
    expect(deactivated.code).toBe(status.FAILED_PRECONDITION);
    expect(await footprint(city)).toEqual(before);
  });
});

describe("listing campaigns", () => {
  it("filters by calendar node, year, status and origin, newest period first, in pages", async () => {
    const year = nextYear();
    const week = await plan(city, { year });
    const day = await launched(city, { year, calendarNode: C.CalendarNode.CALENDAR_NODE_NATIONAL_CONSTITUTION_DAY });
    const month = await plan(city, { year, calendarNode: C.CalendarNode.CALENDAR_NODE_CIVIL_CODE_MONTH });
    const later = await plan(city, { year: year + 500, calendarNode: C.CalendarNode.CALENDAR_NODE_CIVIL_CODE_MONTH });
    const filter = (f: Partial<liaisonV1.CampaignFilter>): liaisonV1.CampaignFilter => ({ ...noFilter, ...f });

    const first = await campaignsOf(city).listCampaigns({ filter: filter({ year }), page: { pageSize: 2, pageToken: "" } });
    expect(first.campaigns.map((c) => c.campaignId)).toEqual([day.campaignId, week.campaignId]);
    expect(first.campaigns.every((c) => c.activities.length === 0)).toBe(true);
    expect(first.page!.totalSize).toBe(3);
    const second = await campaignsOf(city).listCampaigns({
      filter: filter({ year }),
      page: { pageSize: 2, pageToken: first.page!.nextPageToken },
    });
    expect(second.campaigns.map((c) => c.campaignId)).toEqual([month.campaignId]);
    expect(second.page!.nextPageToken).toBe("");

    const launchedOnly = await campaignsOf(city).listCampaigns({
      filter: filter({ year, status: C.CampaignStatus.CAMPAIGN_STATUS_LAUNCHED }),
      page: undefined,
    });
    expect(launchedOnly.campaigns.map((c) => c.campaignId)).toEqual([day.campaignId]);
    const months = await campaignsOf(city).listCampaigns({
      filter: filter({ calendarNode: C.CalendarNode.CALENDAR_NODE_CIVIL_CODE_MONTH, origin: C.CampaignOrigin.CAMPAIGN_ORIGIN_ISSUED }),
      page: undefined,
    });
    // Newest period first across years.
    expect(months.campaigns.slice(0, 2).map((c) => c.campaignId)).toEqual([later.campaignId, month.campaignId]);
    const received = await campaignsOf(city).listCampaigns({
      filter: filter({ origin: C.CampaignOrigin.CAMPAIGN_ORIGIN_RECEIVED }),
      page: undefined,
    });
    expect(received.page!.totalSize).toBe(0);

    const wrongFilter = await statusOf(
      campaignsOf(city).listCampaigns({
        filter: filter({ year: year + 1 }),
        page: { pageSize: 2, pageToken: first.page!.nextPageToken },
      }),
    );
    expect(wrongFilter.fieldViolations.map((v) => v.field)).toEqual(["page.page_token"]);
  });

  it("refuses undefined filter values and bad paging with INVALID_ARGUMENT", async () => {
    const err = await statusOf(
      campaignsOf(city).listCampaigns({
        filter: {
          calendarNode: 8 as liaisonV1.CalendarNode,
          year: 1999,
          status: 9 as liaisonV1.CampaignStatus,
          origin: 7 as liaisonV1.CampaignOrigin,
          targetJurisdictionCode: "",
          calendarNodeCode: "",
          topicTag: "",
        },
        page: { pageSize: 201, pageToken: "garbage" },
      }),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.fieldViolations.map((v) => v.field)).toEqual([
      "filter.calendar_node",
      "filter.status",
      "filter.origin",
      "filter.year",
      "page.page_size",
      "page.page_token",
    ]);
  });
});

describe("calendar nodes, tags, audiences and co-organisers", () => {
  it("gives the configured calendar: the built-in nodes, an added one, and Constitution Week as set for a year", async () => {
    const { nodes } = await campaignsOf(city).getCampaignCalendar({ year: 2998 });
    expect(nodes.map((n) => [n.code, n.name, n.calendarNode, n.setForYear])).toEqual([
      ["NATIONAL_CONSTITUTION_DAY", "国家宪法日", C.CalendarNode.CALENDAR_NODE_NATIONAL_CONSTITUTION_DAY, false],
      ["CONSTITUTION_WEEK", "宪法宣传周", C.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK, true],
      ["CIVIL_CODE_MONTH", "民法典宣传月", C.CalendarNode.CALENDAR_NODE_CIVIL_CODE_MONTH, false],
      ["NATIONAL_SECURITY_EDUCATION_DAY", "全民国家安全教育日", C.CalendarNode.CALENDAR_NODE_UNSPECIFIED, false],
    ]);
    expect(nodes[1]!.startTime!.toISOString()).toBe("2998-11-28T16:00:00.000Z");
    expect(nodes[1]!.endTime!.toISOString()).toBe("2998-12-05T16:00:00.000Z");
    expect((await statusOf(campaignsOf(city).getCampaignCalendar({ year: 1999 }))).fieldViolations.map((v) => v.field)).toEqual(["year"]);
    // A district with no configuration has the built-in three.
    expect((await campaignsOf(district).getCampaignCalendar({ year: 2998 })).nodes.map((n) => n.code)).toEqual([
      "NATIONAL_CONSTITUTION_DAY",
      "CONSTITUTION_WEEK",
      "CIVIL_CODE_MONTH",
    ]);
  });

  it("plans on a configured node by code, with tags, audiences and co-organisers named by id or credit code, shown in the view and the event", async () => {
    const chamber = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "天津市总商会",
      jurisdictionCode: "120000",
    });
    const firm = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_LAW_FIRM,
      name: "天津某律师事务所",
      jurisdictionCode: "120000",
    });
    const c = await plan(city, {
      calendarNode: 0,
      calendarNodeCode: "NATIONAL_SECURITY_EDUCATION_DAY",
      year: 2998,
      targetJurisdictionCodes: ["120103"],
      topicTags: ["国家安全法", " 反间谍法 "],
      audienceKinds: [C.AudienceKind.AUDIENCE_KIND_ENTREPRENEURS, C.AudienceKind.AUDIENCE_KIND_STAFF],
      coOrganisers: [
        { organisationId: chamber.organisation.organisationId, creditCode: "" },
        { organisationId: "", creditCode: firm.organisation.creditCode },
      ],
    });
    expect(c).toMatchObject({
      calendarNode: C.CalendarNode.CALENDAR_NODE_UNSPECIFIED,
      calendarNodeCode: "NATIONAL_SECURITY_EDUCATION_DAY",
      calendarNodeName: "全民国家安全教育日",
      topicTags: ["国家安全法", "反间谍法"],
      audienceKinds: [C.AudienceKind.AUDIENCE_KIND_ENTREPRENEURS, C.AudienceKind.AUDIENCE_KIND_STAFF],
      coOrganisers: [
        { creditCode: chamber.organisation.creditCode, jurisdictionCode: "120000", name: "天津市总商会" },
        { creditCode: firm.organisation.creditCode, jurisdictionCode: "120000", name: "天津某律师事务所" },
      ],
    });
    expect(c.startTime!.toISOString()).toBe("2998-04-14T16:00:00.000Z");
    await campaignsOf(city).launchCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" });
    const [row] = await query<{ payload: Buffer }>(city.database.url, "select payload from liaison.outbox where message_key = $1", [
      c.campaignId,
    ]);
    expect(liaisonEventsV1.CampaignLaunched.decode(row!.payload).campaign).toMatchObject({
      calendarNodeCode: "NATIONAL_SECURITY_EDUCATION_DAY",
      calendarNodeName: "全民国家安全教育日",
      topicTags: ["国家安全法", "反间谍法"],
      coOrganisers: c.coOrganisers,
    });
  });

  it("refuses unknown nodes, bad tags and audiences, and co-organisers unknown, duplicated or deactivated, changing nothing", async () => {
    const chamber = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "某商会",
      jurisdictionCode: "120000",
    });
    const before = await footprint(city);
    const bad = await statusOf(
      campaignsOf(city).planCampaign(
        planRequest({
          calendarNodeCode: "SPRING_FESTIVAL",
          topicTags: ["宪法", "", "宪法"],
          audienceKinds: [C.AudienceKind.AUDIENCE_KIND_STAFF, 0, 99 as liaisonV1.AudienceKind],
          coOrganisers: [
            { organisationId: "nope", creditCode: "" },
            { organisationId: "", creditCode: "" },
          ],
        }),
      ),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field)).toEqual([
      "co_organisers[0].organisation_id",
      "co_organisers[1]",
      "calendar_node_code",
      "topic_tags[1]",
      "topic_tags[2]",
      "audience_kinds[1]",
      "audience_kinds[2]",
    ]);
    const mismatch = await statusOf(
      campaignsOf(city).planCampaign(planRequest({ calendarNodeCode: "CIVIL_CODE_MONTH" })), // the enum says CONSTITUTION_WEEK
    );
    expect(mismatch.fieldViolations.map((v) => v.field)).toEqual(["calendar_node_code"]);
    const dup = await statusOf(
      campaignsOf(city).planCampaign(
        planRequest({
          coOrganisers: [
            { organisationId: chamber.organisation.organisationId, creditCode: "" },
            { organisationId: "", creditCode: chamber.organisation.creditCode },
            { organisationId: randomUUID(), creditCode: "" },
          ],
        }),
      ),
    );
    expect(dup.fieldViolations.map((v) => v.field)).toEqual(["co_organisers[1]", "co_organisers[2].organisation_id"]);
    await city.liaison.registry.deactivateOrganisation({
      organisationId: chamber.organisation.organisationId,
      expectedRevision: 0,
      reason: "注销",
    });
    const afterDeactivation = await footprint(city);
    const gone = await statusOf(
      campaignsOf(city).planCampaign(
        planRequest({ coOrganisers: [{ organisationId: chamber.organisation.organisationId, creditCode: "" }] }),
      ),
    );
    expect(gone.code).toBe(status.FAILED_PRECONDITION);
    expect(await footprint(city)).toEqual(afterDeactivation);
    expect(afterDeactivation.campaigns).toBe(before.campaigns);
  });

  it("lists campaigns by target district, calendar node code and topic tag", async () => {
    const year = nextYear();
    const hexi = await plan(city, { year, targetJurisdictionCodes: ["120103", "120104"], topicTags: ["民法典"] });
    const all = await plan(city, { year, topicTags: ["宪法"] });
    await plan(city, { year, targetJurisdictionCodes: ["120105"] });
    const list = (f: Partial<liaisonV1.CampaignFilter>) =>
      city.liaison.campaigns
        .listCampaigns({ filter: { ...noFilter, year, ...f }, page: undefined })
        .then((r) => r.campaigns.map((c) => c.campaignId).sort());
    expect(await list({ targetJurisdictionCode: "120104" })).toEqual([hexi.campaignId, all.campaignId].sort());
    expect(await list({ targetJurisdictionCode: "120110" })).toEqual([all.campaignId]);
    expect(await list({ topicTag: "民法典" })).toEqual([hexi.campaignId]);
    expect(await list({ calendarNodeCode: "CONSTITUTION_WEEK", topicTag: "宪法" })).toEqual([all.campaignId]);
    expect(await list({ calendarNodeCode: "CIVIL_CODE_MONTH" })).toEqual([]);
    const bad = await statusOf(
      campaignsOf(city).listCampaigns({
        filter: {
          ...noFilter,
          targetJurisdictionCode: "120000",
          calendarNodeCode: "CIVIL_CODE_MONTH",
          calendarNode: C.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
        },
        page: undefined,
      }),
    );
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["filter.target_jurisdiction_code", "filter.calendar_node_code"]);
  });
});

describe("correcting and withdrawing activity reports", () => {
  it("corrects the city's own activity twice and withdraws it: the roll-up follows each step, history and audit keep every revision", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120101"] });
    const { activity: a } = await campaignsOf(city).reportCampaignActivity(reportRequest(c, { eventsHeld: 1, audienceReached: "300" }));
    const total = async () => (await campaignsOf(city).getCampaignRollUp({ campaignId: c.campaignId })).total!;
    expect(await total()).toMatchObject({ activities: 1, eventsHeld: 1, audienceReached: "300" });

    const correct = (expectedRevision: number, audienceReached: string, reason: string) =>
      campaignsOf(city).correctCampaignActivity({
        ...reportRequest(c, { eventsHeld: 2, audienceReached, reason }),
        activityId: a!.activityId,
        expectedRevision,
      });
    const { activity: c1 } = await correct(1, "30000", "少录了观众");
    expect(c1).toMatchObject({ revision: 2, audienceReached: "30000", revisionAudit: { reason: "少录了观众" } });
    expect(await total()).toMatchObject({ activities: 1, eventsHeld: 2, audienceReached: "30000" });
    const { activity: c2 } = await correct(2, "3000", "多录了一个零");
    expect(c2!.history.map((h) => [h.revision, h.audienceReached])).toEqual([
      [1, "300"],
      [2, "30000"],
    ]);
    expect(await total()).toMatchObject({ activities: 1, eventsHeld: 2, audienceReached: "3000" });

    const { activity: w } = await campaignsOf(city).withdrawCampaignActivity({
      campaignId: c.campaignId,
      activityId: a!.activityId,
      expectedRevision: 3,
      reason: "重复上报",
    });
    expect(w).toMatchObject({ revision: 4, withdrawn: true });
    expect(await total()).toMatchObject({ activities: 0, eventsHeld: 0, audienceReached: "0" });
    const { campaign } = await campaignsOf(city).getCampaign({ campaignId: c.campaignId });
    expect(campaign!.activities[0]).toMatchObject({ withdrawn: true, revision: 4 });
    expect(campaign!.activities[0]!.history).toHaveLength(3);
    expect((await auditOf(city, c.campaignId)).slice(-4).map(([action, , , reason]) => [action, reason])).toEqual([
      ["ReportCampaignActivity", ""],
      ["CorrectCampaignActivity", "少录了观众"],
      ["CorrectCampaignActivity", "多录了一个零"],
      ["WithdrawCampaignActivity", "重复上报"],
    ]);
    // The city's own activities go nowhere.
    expect((await outboxOf(city, c.campaignId)).map((o) => o.event_type)).toEqual(["jinlian.liaison.campaign.launched.v1"]);
  });

  it("refuses a stale revision (ABORTED), a missing reason, bad figures, an unknown activity and a withdrawn one, changing nothing", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120101"] });
    const { activity: a } = await campaignsOf(city).reportCampaignActivity(reportRequest(c));
    const req = (over: Partial<liaisonV1.CorrectCampaignActivityRequest> = {}): liaisonV1.CorrectCampaignActivityRequest => ({
      ...reportRequest(c, { reason: "更正" }),
      activityId: a!.activityId,
      expectedRevision: 0,
      ...over,
    });
    let before = await footprint(city);
    const stale = await statusOf(campaignsOf(city).correctCampaignActivity(req({ expectedRevision: 2, title: "" })));
    expect(stale.code).toBe(status.INVALID_ARGUMENT); // field rules first, as everywhere
    expect((await statusOf(campaignsOf(city).correctCampaignActivity(req({ expectedRevision: 2 })))).code).toBe(status.ABORTED);
    const noReason = await statusOf(campaignsOf(city).correctCampaignActivity(req({ reason: " ", audienceReached: "-1" })));
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["audience_reached", "reason"]);
    const outside = await statusOf(campaignsOf(city).correctCampaignActivity(req({ heldTime: inWeek(c.year, 9) })));
    expect(outside.fieldViolations.map((v) => v.field)).toEqual(["held_time"]);
    expect((await statusOf(campaignsOf(city).correctCampaignActivity(req({ activityId: randomUUID() })))).code).toBe(status.NOT_FOUND);
    const noWithdrawReason = await statusOf(
      campaignsOf(city).withdrawCampaignActivity({
        campaignId: c.campaignId,
        activityId: a!.activityId,
        expectedRevision: 0,
        reason: "",
      }),
    );
    expect(noWithdrawReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
    expect(await footprint(city)).toEqual(before);

    await campaignsOf(city).withdrawCampaignActivity({
      campaignId: c.campaignId,
      activityId: a!.activityId,
      expectedRevision: 1,
      reason: "撤回",
    });
    before = await footprint(city);
    const again = await statusOf(campaignsOf(city).correctCampaignActivity(req()));
    expect(again.preconditionViolations[0]!.type).toBe("ACTIVITY_WITHDRAWN");
    expect(await footprint(city)).toEqual(before);
  });
});

// ---- hand-made deliveries ----

async function send(topic: string, type: string, message: string, source: string, subject: string, data: Uint8Array): Promise<CloudEvent> {
  const event: CloudEvent = { id: randomUUID(), source, type, time: new Date(), subject, dataschema: dataschemaFor(message), data };
  await producer.send({ topic, acks: -1, messages: [{ key: subject, value: Buffer.from(data), headers: toKafkaHeaders(event) }] });
  return event;
}

const deadLetters = (topic: string, atLeast: number, pick?: (l: { key: string }) => boolean) =>
  readDeadLetters(kafka, topic, atLeast, pick);

const eventAudit = (reason = "") => ({
  actor: "city-operator",
  reason,
  requestId: "r1",
  occurTime: new Date(),
  jurisdictionCode: "120000",
});

describe("the city takes activities reported up by target districts", () => {
  const fromHeping = () => `${ns}.120101.liaison.to.120000`;
  const reported = (campaignId: string, activity: Partial<liaisonV1.CampaignActivity> & { heldTime?: Date | undefined }, from = "120101") =>
    liaisonEventsV1.CampaignActivityReported.encode({
      campaignId,
      activity: {
        activityId: randomUUID(),
        jurisdictionCode: from,
        title: "宪法进商会",
        eventsHeld: 3,
        audienceReached: "150",
        organiser: undefined,
        audit: { actor: "heping-operator", reason: "", requestId: "r2", occurTime: new Date(), jurisdictionCode: from },
        revision: 1,
        withdrawn: false,
        revisionAudit: undefined,
        history: [],
        ...activity,
      },
    }).finish();
  const sendReport = (campaignId: string, data: Uint8Array, from = "120101", topic = fromHeping()) =>
    send(
      topic,
      "jinlian.liaison.campaign.activity-reported.v1",
      "jinlian.liaison.events.v1.CampaignActivityReported",
      `/jinlian/${from}/liaison`,
      campaignId,
      data,
    );

  it("rolls up the city's own and the districts' activities; a repeat changes nothing; late reports within the period count", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120101", "120102", "120103"] });
    await campaignsOf(city).reportCampaignActivity(reportRequest(c, { eventsHeld: 1, audienceReached: "500" }));
    const id = randomUUID();
    const data = reported(c.campaignId, {
      activityId: id,
      heldTime: inWeek(c.year, 2),
      organiser: { creditCode: "X", jurisdictionCode: "120101", name: "和平区总商会" },
    });
    await sendReport(c.campaignId, data);
    await sendReport(c.campaignId, data); // the same activity again, as a new event
    // The close answers with the activities applied so far, and its answer is checked against a
    // read after it: the district's report must have landed first (its repeat changes nothing).
    await waitFor(
      async () => (await campaignsOf(city).getCampaignRollUp({ campaignId: c.campaignId })).jurisdictions[1]!.activities === 1,
      { timeoutMs: 30_000, intervalMs: 100, what: "the activity of 120101 at the city" },
    );
    // The campaign closes; a report of an activity held within the week still arrives afterwards.
    await campaignsOf(city).closeCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" });
    await sendReport(c.campaignId, reported(c.campaignId, { heldTime: inWeek(c.year, 6), eventsHeld: 2, audienceReached: "50" }));

    const roll = await waitFor(
      async () => {
        const r = await campaignsOf(city).getCampaignRollUp({ campaignId: c.campaignId });
        return r.jurisdictions[1]!.activities === 2 && r;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "two activities of 120101 at the city" },
    );
    expect(roll.campaignId).toBe(c.campaignId);
    expect(roll.jurisdictions.map((j) => [j.jurisdictionCode, j.jurisdictionName, j.activities, j.eventsHeld, j.audienceReached])).toEqual([
      ["120000", "天津市", 1, 1, "500"],
      ["120101", "和平区", 2, 5, "200"],
      ["120102", "河东区", 0, 0, "0"],
      ["120103", "河西区", 0, 0, "0"],
    ]);
    expect(roll.jurisdictions[1]!.lastReportTime).toBeInstanceOf(Date);
    expect(roll.jurisdictions[2]!.lastReportTime).toBeUndefined();
    expect(roll.total).toMatchObject({ jurisdictionCode: "120000", activities: 3, eventsHeld: 6, audienceReached: "700" });
    expect(roll.silentJurisdictionCodes).toEqual(["120102", "120103"]);
    const { campaign } = await campaignsOf(city).getCampaign({ campaignId: c.campaignId });
    const heping = campaign!.activities.find((a) => a.activityId === id)!;
    expect(heping).toMatchObject({
      jurisdictionCode: "120101",
      organiser: { creditCode: "X", name: "和平区总商会" },
      audit: { actor: "heping-operator" },
    });
    expect((await auditOf(city, c.campaignId)).filter(([action]) => action === "CampaignActivityReported")).toHaveLength(2);
  });

  it("takes a district's corrections and withdrawal: the roll-up follows the highest revision; stale ones and a bad withdrawal change nothing", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120101", "120102"] });
    const id = randomUUID();
    const activity = (revision: number, audienceReached: string, withdrawn = false) => ({
      activityId: id,
      heldTime: inWeek(c.year, 2),
      audienceReached,
      revision,
      withdrawn,
      revisionAudit:
        revision > 1
          ? { actor: "heping-operator", reason: "更正", requestId: `r${revision}`, occurTime: new Date(), jurisdictionCode: "120101" }
          : undefined,
    });
    const revised = (type: "corrected" | "withdrawn", a: ReturnType<typeof activity>) =>
      send(
        fromHeping(),
        `jinlian.liaison.campaign.activity-${type}.v1`,
        `jinlian.liaison.events.v1.CampaignActivity${type === "corrected" ? "Corrected" : "Withdrawn"}`,
        "/jinlian/120101/liaison",
        c.campaignId,
        reported(c.campaignId, a),
      );
    const heping = async () => (await campaignsOf(city).getCampaignRollUp({ campaignId: c.campaignId })).jurisdictions[1]!;
    const wait = { timeoutMs: 30_000, intervalMs: 200 };

    await sendReport(c.campaignId, reported(c.campaignId, activity(1, "150")));
    await revised("corrected", activity(2, "15000"));
    await waitFor(async () => (await heping()).audienceReached === "15000", { ...wait, what: "the first correction at the city" });
    await revised("corrected", activity(3, "1500"));
    await revised("corrected", activity(2, "15000")); // stale: changes nothing
    await waitFor(async () => (await heping()).audienceReached === "1500", { ...wait, what: "the second correction at the city" });
    const dlq = `${ns}.120000.liaison.dlq`;
    await revised("withdrawn", activity(4, "1500", false)); // says withdrawn but is not: dead-lettered
    await deadLetters(dlq, 1, (l) => l.key === c.campaignId);
    expect(await heping()).toMatchObject({ activities: 1, eventsHeld: 3, audienceReached: "1500" });
    await revised("withdrawn", activity(4, "1500", true));
    const after = await waitFor(
      async () => {
        const r = await campaignsOf(city).getCampaignRollUp({ campaignId: c.campaignId });
        return r.jurisdictions[1]!.activities === 0 && r;
      },
      { ...wait, what: "the withdrawal at the city" },
    );
    expect(after.silentJurisdictionCodes).toEqual(["120101", "120102"]);
    const { campaign } = await campaignsOf(city).getCampaign({ campaignId: c.campaignId });
    expect(campaign!.activities[0]).toMatchObject({ activityId: id, revision: 4, withdrawn: true });
    expect(campaign!.activities[0]!.history.map((h) => [h.revision, h.audienceReached])).toEqual([
      [1, "150"],
      [2, "15000"],
      [3, "1500"],
    ]);
    expect((await auditOf(city, c.campaignId)).map(([action]) => action).filter((a) => String(a).startsWith("CampaignActivity"))).toEqual([
      "CampaignActivityReported",
      "CampaignActivityCorrected",
      "CampaignActivityCorrected",
      "CampaignActivityWithdrawn",
    ]);
  });

  it("dead-letters reports that are not from a target, not of the sender's jurisdiction, out of the period, or of an unknown campaign", async () => {
    const c = await launched(city, { targetJurisdictionCodes: ["120101"] });
    const before = await footprint(city);
    const dlq = `${ns}.120000.liaison.dlq`;
    await sendReport(
      c.campaignId,
      reported(c.campaignId, { heldTime: inWeek(c.year) }, "120102"),
      "120102",
      `${ns}.120102.liaison.to.120000`,
    );
    await sendReport(c.campaignId, reported(c.campaignId, { heldTime: inWeek(c.year), jurisdictionCode: "120102" }));
    await sendReport(c.campaignId, reported(c.campaignId, { heldTime: inWeek(c.year, 8) }));
    const unknown = randomUUID();
    await sendReport(unknown, reported(unknown, { heldTime: inWeek(c.year) }));
    // The topic also holds the letter an earlier test left: count this test's only.
    const letters = await deadLetters(dlq, 4, (l) => l.key === c.campaignId || l.key === unknown);
    expect(letters.filter((l) => l.key === c.campaignId)).toHaveLength(3);
    expect(letters.map((l) => l.error).join("\n")).toMatch(/not a target/);
    expect(await footprint(city)).toEqual(before);
  });
});

describe("at a district node", () => {
  const toHeping = () => `${districtNs}.120000.liaison.to.120101`;
  const campaignMessage = (over: Partial<liaisonV1.Campaign> = {}): liaisonV1.Campaign => {
    const year = over.year ?? nextYear();
    return {
      campaignId: randomUUID(),
      calendarNode: C.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
      year,
      title: "市级宪法宣传周",
      theme: "",
      startTime: new Date(Date.UTC(year, 10, 30, 16)),
      endTime: new Date(Date.UTC(year, 11, 7, 16)),
      status: C.CampaignStatus.CAMPAIGN_STATUS_LAUNCHED,
      origin: C.CampaignOrigin.CAMPAIGN_ORIGIN_ISSUED,
      issuingJurisdictionCode: "120000",
      targetJurisdictionCodes: ["120101", "120102"],
      activities: [],
      revision: 2,
      // As an event from before configurable calendars: the enum alone names the node.
      calendarNodeCode: "",
      calendarNodeName: "",
      topicTags: [],
      audienceKinds: [],
      coOrganisers: [],
      ...over,
    };
  };
  const sendLaunched = (c: liaisonV1.Campaign) =>
    send(
      toHeping(),
      "jinlian.liaison.campaign.launched.v1",
      "jinlian.liaison.events.v1.CampaignLaunched",
      "/jinlian/120000/liaison",
      c.campaignId,
      liaisonEventsV1.CampaignLaunched.encode({ campaignId: c.campaignId, campaign: c, audit: eventAudit("市里启动") }).finish(),
    );
  const sendClosed = (id: string) =>
    send(
      toHeping(),
      "jinlian.liaison.campaign.closed.v1",
      "jinlian.liaison.events.v1.CampaignClosed",
      "/jinlian/120000/liaison",
      id,
      liaisonEventsV1.CampaignClosed.encode({ campaignId: id, audit: eventAudit("结束") }).finish(),
    );
  const held = (id: string) =>
    campaignsOf(district)
      .getCampaign({ campaignId: id })
      .then((r) => r.campaign!);

  it("plans its own campaign without targets, launches it without pushing, and keeps its own roll-up", async () => {
    const refused = await statusOf(campaignsOf(district).planCampaign(planRequest({ targetJurisdictionCodes: ["120102"] })));
    expect(refused.fieldViolations.map((v) => v.field)).toEqual(["target_jurisdiction_codes"]);
    const c = await launched(district);
    expect(c).toMatchObject({
      issuingJurisdictionCode: "120101",
      targetJurisdictionCodes: [],
      origin: C.CampaignOrigin.CAMPAIGN_ORIGIN_ISSUED,
    });
    await campaignsOf(district).reportCampaignActivity(reportRequest(c, { eventsHeld: 4, audienceReached: "80" }));
    expect(await outboxOf(district, c.campaignId)).toEqual([]);
    const roll = await campaignsOf(district).getCampaignRollUp({ campaignId: c.campaignId });
    expect(roll.jurisdictions.map((j) => [j.jurisdictionCode, j.activities, j.eventsHeld, j.audienceReached])).toEqual([
      ["120101", 1, 4, "80"],
    ]);
    expect(roll.total).toMatchObject({ jurisdictionCode: "120101", jurisdictionName: "和平区", activities: 1 });
    expect(roll.silentJurisdictionCodes).toEqual([]);
  });

  it("receives a municipal campaign once, reports activities up to the city, and stops taking reports when it is closed", async () => {
    const c = campaignMessage();
    await sendLaunched(c);
    await sendLaunched(c); // a repeat, as a new event
    const got = await waitFor(() => held(c.campaignId), { timeoutMs: 30_000, intervalMs: 200, what: "the campaign at 120101" });
    expect(got).toMatchObject({
      campaignId: c.campaignId,
      origin: C.CampaignOrigin.CAMPAIGN_ORIGIN_RECEIVED,
      status: C.CampaignStatus.CAMPAIGN_STATUS_LAUNCHED,
      issuingJurisdictionCode: "120000",
      targetJurisdictionCodes: ["120101", "120102"],
      revision: 1,
      calendarNodeCode: "CONSTITUTION_WEEK",
      calendarNodeName: "宪法宣传周",
    });
    expect(got.startTime).toEqual(c.startTime);
    expect(await auditOf(district, c.campaignId)).toEqual([["CampaignLaunched", 1, "city-operator", "市里启动"]]);

    // Only the city launches, closes and rolls it up.
    const before = await footprint(district);
    const close = await statusOf(campaignsOf(district).closeCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" }));
    expect(close.preconditionViolations[0]!.type).toBe("CAMPAIGN_RECEIVED");
    const launch = await statusOf(campaignsOf(district).launchCampaign({ campaignId: c.campaignId, expectedRevision: 0, reason: "" }));
    expect(launch.code).toBe(status.FAILED_PRECONDITION);
    const roll = await statusOf(campaignsOf(district).getCampaignRollUp({ campaignId: c.campaignId }));
    expect(roll.code).toBe(status.FAILED_PRECONDITION);
    expect(await footprint(district)).toEqual(before);

    const { activity } = await campaignsOf(district).reportCampaignActivity(reportRequest(got, { eventsHeld: 3, audienceReached: "90" }));
    expect(activity!.jurisdictionCode).toBe("120101");
    const [up] = await query<{ topic: string; event_type: string; payload: Buffer }>(
      district.database.url,
      "select topic, event_type, payload from liaison.outbox where message_key = $1",
      [c.campaignId],
    );
    expect(up).toMatchObject({
      topic: `${districtNs}.120101.liaison.to.120000`,
      event_type: "jinlian.liaison.campaign.activity-reported.v1",
    });
    expect(liaisonEventsV1.CampaignActivityReported.decode(up!.payload)).toEqual({ campaignId: c.campaignId, activity });

    // A correction and a withdrawal of it go up too, each at its new revision.
    await campaignsOf(district).correctCampaignActivity({
      ...reportRequest(got, { eventsHeld: 3, audienceReached: "900", reason: "观众数录错" }),
      activityId: activity!.activityId,
      expectedRevision: 1,
    });
    const ups = await query<{ topic: string; event_type: string; payload: Buffer }>(
      district.database.url,
      "select topic, event_type, payload from liaison.outbox where message_key = $1 order by seq",
      [c.campaignId],
    );
    expect(ups.map((u) => [u.topic, u.event_type])).toEqual([
      [`${districtNs}.120101.liaison.to.120000`, "jinlian.liaison.campaign.activity-reported.v1"],
      [`${districtNs}.120101.liaison.to.120000`, "jinlian.liaison.campaign.activity-corrected.v1"],
    ]);
    expect(liaisonEventsV1.CampaignActivityCorrected.decode(ups[1]!.payload).activity).toMatchObject({
      activityId: activity!.activityId,
      revision: 2,
      audienceReached: "900",
      revisionAudit: { reason: "观众数录错", jurisdictionCode: "120101" },
      history: [],
    });

    await sendClosed(c.campaignId);
    await sendClosed(c.campaignId);
    const closed = await waitFor(
      async () => {
        const x = await held(c.campaignId);
        return x.status === C.CampaignStatus.CAMPAIGN_STATUS_CLOSED && x;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "the campaign closed at 120101" },
    );
    expect(closed.revision).toBe(2);
    expect(closed.activities).toHaveLength(1);
    const after = await footprint(district);
    const late = await statusOf(campaignsOf(district).reportCampaignActivity(reportRequest(got)));
    expect(late.code).toBe(status.FAILED_PRECONDITION);
    expect(await footprint(district)).toEqual(after);
    expect((await auditOf(district, c.campaignId)).map(([action]) => action)).toEqual([
      "CampaignLaunched",
      "ReportCampaignActivity",
      "CorrectCampaignActivity",
      "CampaignClosed",
    ]);
  });

  it("dead-letters a campaign that does not target it and a close of a campaign it never received", async () => {
    const before = await footprint(district);
    const other = campaignMessage({ targetJurisdictionCodes: ["120102"] });
    await sendLaunched(other);
    await sendClosed(randomUUID());
    const letters = await deadLetters(`${districtNs}.120101.liaison.dlq`, 2);
    expect(letters.map((l) => l.error).join("\n")).toMatch(/does not include this node 120101/);
    expect((await statusOf(held(other.campaignId))).code).toBe(status.NOT_FOUND);
    expect(await footprint(district)).toEqual(before);
  });
});
