/**
 * Federation as deployed: the municipal node and two district nodes, each on its own Kafka cluster
 * and its own database, joined only by MirrorMaker 2 (tests/support/federation.ts). Without
 * MirrorMaker nothing crosses (the negative control); with it bulletins go down and receipts come
 * up, liaison's action items go down and progress comes up, legislation's rounds go down and the
 * districts' replies come up; MirrorMaker killed mid-stream loses
 * and doubles nothing; a district that was down, and one that joins late, catch up by themselves;
 * both copies of every mirrored topic hold the same records, and nothing flows back.
 */
import { status } from "@grpc/grpc-js";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { bulletinsV1, legislationV1, liaisonV1 } from "@jinlian/proto";
import { deliveryTopic, federationLinks, mirrors } from "@jinlian/subscriber";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { bothSides, mechanismOf } from "../support/consultation-fixtures";
import { describeNeedingJava } from "../support/requirements";
import { recordIds, startFederation, withAdmin, type Federation } from "../support/federation";
import { draftRequest } from "../support/fixtures";
import { approveAndPublish, registerIssuers } from "../support/issuers";
import { consultedParty, openRoundRequest, opinionRequest, registerDraftRequest } from "../support/legislation-fixtures";
import { OrgType } from "../support/liaison-fixtures";
import { startTestNode, statusOf, TestClock, type TestNode } from "../support/nodes";

const B = bulletinsV1;
const L = liaisonV1;
jest.setTimeout(600_000);

/** How long a copy may take to cross: MirrorMaker picks a new topic up within its refresh (1 s here) and a task start. */
const CROSSING = { timeoutMs: 120_000, intervalMs: 500 };

describeNeedingJava("federation over MirrorMaker 2", () => {
  const ns = uniqueNamespace("federation");
  let federation: Federation;
  let city: TestNode;
  let heping: TestNode; // 120101, up from the start
  let hedong: TestNode | undefined; // 120102, joins late

  // One clock for every node: real time, but for legislation's round (see there).
  const clock = new TestClock();
  const node = (code: string, database?: TestNode["database"]) =>
    startTestNode({ jurisdictionCode: code, namespace: ns, kafkaBrokers: federation.cluster(code).brokers, database, clock });

  beforeAll(async () => {
    federation = await startFederation({ namespace: ns, districts: ["120101", "120102"], mirror: false });
    [city, heping] = await Promise.all([node(CITY_JURISDICTION), node("120101")]);
    await registerIssuers(city);
  });

  afterAll(async () => {
    for (const n of [city, heping, hedong]) await n?.stop().catch(() => undefined);
    for (const n of [city, heping, hedong]) await n?.database.drop().catch(() => undefined);
    await federation?.destroy();
  });

  async function held(n: TestNode, id: string, version = 1): Promise<bulletinsV1.Bulletin | undefined> {
    try {
      const { bulletin } = await n.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" });
      return bulletin!.currentVersion >= version ? bulletin : undefined;
    } catch {
      return undefined;
    }
  }

  async function publish(title: string, districts: string[]): Promise<string> {
    const { bulletin: draft } = await city.bulletins.createBulletinDraft(
      draftRequest({ title, mainAudience: { allDistricts: false, jurisdictionCodes: districts, organisations: [] } }),
    );
    return (await approveAndPublish(city.bulletins, draft!.bulletinId))!.bulletinId;
  }

  async function records(code: string, topic: string): Promise<number> {
    return withAdmin(federation.cluster(code), async (admin) =>
      (await admin.listTopics()).includes(topic)
        ? (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0)
        : 0,
    );
  }

  const down = (service: string, to: string) => deliveryTopic(ns, service, CITY_JURISDICTION, to);
  const up = (service: string, from: string) => deliveryTopic(ns, service, from, CITY_JURISDICTION);

  it("carries nothing while MirrorMaker is stopped, then bulletins down and receipts up once it runs", async () => {
    const id = await publish("联络机制简报（镜像前）", ["120101"]);
    // The city's relay wrote it to the city's cluster…
    await waitFor(async () => (await records(CITY_JURISDICTION, down("bulletins", "120101"))) > 0, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: "the bulletin on the city's cluster",
    });
    // …and without MirrorMaker it stays there: the district's cluster and node never see it.
    await new Promise((r) => setTimeout(r, 8000));
    expect(await records("120101", down("bulletins", "120101"))).toBe(0);
    expect((await statusOf(heping.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" }))).code).toBe(status.NOT_FOUND);

    await federation.mirrorMaker.start();
    const copy = await waitFor(() => held(heping, id), { ...CROSSING, what: "the bulletin at 120101 over MirrorMaker" });
    expect(copy.origin).toBe(B.Origin.ORIGIN_RECEIVED);

    await heping.bulletins.acknowledgeBulletin({
      reason: "",
      bulletinId: id,
      recipient: { recipient: { $case: "jurisdictionCode", value: "120101" } },
      version: 0,
      readerName: "和平区司法局 张三",
      party: B.Party.PARTY_UNSPECIFIED,
    });
    await waitFor(
      async () => {
        const res = await city.bulletins.getBulletinReadStatus({ bulletinId: id });
        return res.summary?.read === 1;
      },
      { ...CROSSING, what: "the receipt back at the city" },
    );
  });

  it("carries liaison's action items down and their progress up", async () => {
    const [atCity, atHeping] = await Promise.all([mechanismOf(city.liaison, "120000"), mechanismOf(heping.liaison, "120101")]);
    void atHeping;
    const { consultation } = await city.liaison.consultations.scheduleConsultation({
      kind: L.ConsultationKind.CONSULTATION_KIND_HIGH_LEVEL,
      title: "跨集群联络会商",
      seriesId: "",
      mechanismId: "",
      scheduledTime: new Date(Date.now() + 86_400_000),
      location: "天津市司法局",
      agenda: [
        {
          agendaItemId: "",
          topic: "法治体检",
          presenter: "法治调研处",
          presenterOrganisationId: "",
          durationMinutes: 30,
          presenterCreditCode: "",
        },
      ],
      attendees: bothSides(atCity.bureau, atCity.federation),
      reason: "",
      concernedJurisdictionCodes: [],
    });
    await city.liaison.consultations.startConsultation({ consultationId: consultation!.consultationId, expectedRevision: 1, reason: "" });
    const { outcome } = await city.liaison.consultations.recordOutcome({
      consultationId: consultation!.consultationId,
      expectedRevision: 2,
      type: L.OutcomeType.OUTCOME_TYPE_ACTION,
      text: "和平区一个月内完成商会法治体检",
      agendaItemId: consultation!.agenda[0]!.agendaItemId,
      action: {
        title: "商会法治体检",
        owner: undefined,
        assigneeJurisdictionCode: "120101",
        dueTime: new Date(Date.now() + 30 * 86_400_000),
        jointOwners: [],
      },
      reason: "",
    });
    const id = outcome!.actionItemId;
    const at = async (n: TestNode) => {
      try {
        return (await n.liaison.consultations.getActionItem({ actionItemId: id })).actionItem;
      } catch {
        return undefined;
      }
    };
    const received = await waitFor(() => at(heping), { ...CROSSING, what: "the action item at 120101" });
    await heping.liaison.consultations.updateActionItemProgress({
      actionItemId: id,
      expectedRevision: received.revision,
      status: L.ActionItemStatus.ACTION_ITEM_STATUS_IN_PROGRESS,
      note: "已部署",
      owner: undefined,
      jointOwners: [],
      reportingOrganisationId: "",
      reportingCreditCode: "",
    });
    await waitFor(async () => (await at(city))?.status === L.ActionItemStatus.ACTION_ITEM_STATUS_IN_PROGRESS, {
      ...CROSSING,
      what: "the progress at the city",
    });
    expect(await records("120101", up("liaison", "120101"))).toBeGreaterThan(0);
    expect(await records(CITY_JURISDICTION, up("liaison", "120101"))).toBeGreaterThan(0);
  });

  it("carries legislation's consultation rounds down and the districts' replies up", async () => {
    // Statutory windows count working days: the round is opened on a day whose 30-day window the
    // holiday calendar covers, and time goes back to real afterwards.
    const shift = new Date("2026-03-02T01:00:00Z").getTime() - clock.now().getTime();
    clock.advance(shift);
    try {
      await roundDownAndReplyUp();
    } finally {
      clock.advance(-shift);
    }
  });

  async function roundDownAndReplyUp(): Promise<void> {
    const [cityFederation, chamber] = await Promise.all([
      consultedParty(city, OrgType.ORGANISATION_TYPE_FEDERATION, "天津市工商业联合会（征求意见）", "120000"),
      consultedParty(heping, OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, "和平区总商会（征求意见）", "120101"),
    ]);
    const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest());
    const { round } = await city.legislation.consultations.openRound(
      openRoundRequest({
        draftId: draft!.draftId,
        organisationCreditCodes: [cityFederation.organisation.creditCode],
        districtJurisdictionCodes: ["120101"],
      }),
    );
    const roundId = round!.roundId;
    await waitFor(
      async () => {
        try {
          return (await heping.legislation.consultations.getRound({ roundId })).round;
        } catch {
          return undefined;
        }
      },
      { ...CROSSING, what: "the round at 120101" },
    );
    await heping.legislation.consultations.submitOpinion(
      opinionRequest(roundId, chamber.organisation.creditCode, "第三条的审批时限过长。", [{ article: 3, paragraph: 1 }]),
    );
    await heping.legislation.consultations.sendDistrictReply({ roundId, expectedRevision: 0, noOpinion: false, reason: "汇总报送" });
    const replied = await waitFor(
      async () => {
        const r = (await city.legislation.consultations.getRound({ roundId })).round;
        return r?.districts[0]?.status === legislationV1.DistrictReplyStatus.DISTRICT_REPLY_STATUS_REPLIED ? r : undefined;
      },
      { ...CROSSING, what: "the reply at the city" },
    );
    expect(replied.districts.map((d) => [d.jurisdictionCode, d.opinionCount])).toEqual([["120101", 1]]);
  }

  it("loses and doubles nothing when MirrorMaker is killed mid-stream", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(await publish(`中断测试简报 ${i}`, ["120101"]));
      if (i === 4) await federation.mirrorMaker.kill();
    }
    expect(await federation.mirrorMaker.running()).toBe(false);
    await federation.mirrorMaker.start();
    for (const id of ids) await waitFor(() => held(heping, id), { ...CROSSING, what: `bulletin ${id} at 120101` });
    const { bulletins } = await heping.bulletins.listBulletins({
      filter: B.BulletinFilter.fromPartial({}),
      page: { pageSize: 200, pageToken: "" },
      readerCreditCode: "",
    });
    const counts = new Map<string, number>();
    for (const b of bulletins) counts.set(b.bulletinId, (counts.get(b.bulletinId) ?? 0) + 1);
    for (const id of ids) expect(counts.get(id)).toBe(1);
  });

  it("lets a district that was down, and one that joins late, catch up by themselves", async () => {
    const database = heping.database;
    await heping.stop();
    const whileDown = [await publish("停机期间简报一", ["120101", "120102"]), await publish("停机期间简报二", ["120101", "120102"])];
    heping = await node("120101", database);
    hedong = await node("120102");
    for (const id of whileDown) {
      await waitFor(() => held(heping, id), { ...CROSSING, what: `bulletin ${id} at 120101 after its restart` });
      await waitFor(() => held(hedong!, id), { ...CROSSING, what: `bulletin ${id} at 120102, joined late` });
    }
  });

  it("holds the same records on both sides of every mirrored topic, and nothing flows back", async () => {
    const links = ["120101", "120102"].map((d) => federationLinks(ns, d));
    for (const { down: d, up: u } of links) {
      for (const link of [d, u]) {
        const source = federation.cluster(link.source);
        const target = federation.cluster(link.target);
        const topics = (await withAdmin(source, (a) => a.listTopics())).filter((t) => mirrors(link, t));
        for (const topic of topics) {
          // Mirroring is asynchronous: give the last copies time to land, then compare record for record.
          const expected = await recordIds(source, topic);
          const copied = await waitFor(
            async () => {
              const ids = await recordIds(target, topic);
              return [...expected].every(([p, list]) => (ids.get(p) ?? []).length >= list.length) ? ids : undefined;
            },
            { ...CROSSING, what: `${topic} copied to ${link.target}` },
          );
          expect(copied).toEqual(expected);
        }
      }
      // Nothing a link writes is read back by the other: no topic matches both directions.
      for (const code of [d.source, d.target]) {
        const topics = await withAdmin(federation.cluster(code), (a) => a.listTopics());
        for (const t of topics) expect(mirrors(d, t) && mirrors(u, t)).toBe(false);
        // Identity replication: no renamed copies (`<alias>.<topic>`) on any cluster.
        expect(topics.filter((t) => t.startsWith(`${ns}-`) && !/\.(internal|heartbeats)$/.test(t))).toEqual([]);
      }
    }
  });
});
