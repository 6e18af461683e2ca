/**
 * The bulletins service's projection of the liaison registry, against real Kafka and PostgreSQL:
 * built by replaying the registry topic when bulletins starts after the events were published,
 * kept current by live events, robust to repeated, older and malformed events, and used to
 * refuse drafts that name a deactivated organisation.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { toKafkaHeaders, type CloudEvent } from "@jinlian/chassis";
import type { BulletinsClient } from "@jinlian/client";
import { bulletinsV1, commonV1, liaisonEventsV1, liaisonV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";
import { bulletinsFootprint, query } from "../support/db";
import { draftRequest } from "../support/fixtures";
import { creditCodeFor, OrgType, registerParty } from "../support/liaison-fixtures";
import { readDeadLetters } from "../support/dead-letters";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";
import { APPROVER, registerIssuers } from "../support/issuers";

jest.setTimeout(120_000);

const B = bulletinsV1;
const WAIT = { timeoutMs: 45_000, intervalMs: 250 };

type Known = bulletinsV1.KnownOrganisation;

async function allKnown(client: BulletinsClient, filter: Partial<bulletinsV1.ListKnownOrganisationsRequest> = {}): Promise<Known[]> {
  const { organisations } = await client.listKnownOrganisations({
    jurisdictionCode: "",
    text: "",
    ...filter,
    page: { pageSize: 200, pageToken: "" },
  });
  return organisations;
}

/** Waits until the projection holds the organisation at (at least) the given registry revision. */
function projected(client: BulletinsClient, o: liaisonV1.Organisation, what: string): Promise<Known> {
  return waitFor(
    async () =>
      (await allKnown(client, { text: o.creditCode })).find(
        (k) => k.organisationId === o.organisationId && k.registryRevision >= o.revision,
      ),
    { ...WAIT, what },
  );
}

/** How a bulletin names a registered organisation. */
function refOf(o: liaisonV1.Organisation): commonV1.OrganisationRef {
  return { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name };
}

describe("given registry events published before bulletins started", () => {
  const ns = uniqueNamespace("orgs-late");
  let liaisonOnly: TestNode | undefined;
  let node: TestNode;
  let bureau: liaisonV1.Organisation;
  let chamber: liaisonV1.Organisation;
  let enterprise: liaisonV1.Organisation;
  let renamed: liaisonV1.Organisation;

  beforeAll(async () => {
    liaisonOnly = await startTestNode({ jurisdictionCode: "120000", namespace: ns, target: "liaison" });
    const registry = liaisonOnly.liaison.registry;
    bureau = (
      await registerParty(liaisonOnly.liaison, {
        type: OrgType.ORGANISATION_TYPE_JUSTICE_BUREAU,
        name: "天津市司法局",
        jurisdictionCode: "120000",
      })
    ).organisation;
    chamber = (
      await registerParty(liaisonOnly.liaison, {
        type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
        name: "和平区总商会",
        jurisdictionCode: "120101",
      })
    ).organisation;
    enterprise = (
      await registerParty(liaisonOnly.liaison, {
        type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
        name: "Tianjin Example Trading Co.",
        jurisdictionCode: "120000",
      })
    ).organisation;
    // Two states of one organisation on the topic: only the later must survive the replay.
    renamed = (
      await registry.updateOrganisation({
        organisationId: chamber.organisationId,
        expectedRevision: chamber.revision,
        name: "和平区工商联商会",
        reason: "更名",
      })
    ).organisation!;
    enterprise = (
      await registry.deactivateOrganisation({
        organisationId: enterprise.organisationId,
        expectedRevision: enterprise.revision,
        reason: "注销",
      })
    ).organisation!;
    expect(enterprise.status).toBe(liaisonV1.OrganisationStatus.ORGANISATION_STATUS_DEACTIVATED);
    await liaisonOnly.stop();
    // Bulletins never ran at this node: its schema is not even there yet.
    const [schema] = await query<{ oid: string | null }>(
      liaisonOnly.database.url,
      "select to_regclass('bulletins.known_organisations')::text as oid",
    );
    expect(schema!.oid).toBeNull();
    node = await startTestNode({ jurisdictionCode: "120000", namespace: ns, database: liaisonOnly.database, target: "all" });
  });

  afterAll(async () => {
    await node?.stop();
    await liaisonOnly?.database.drop();
  });

  it("when bulletins starts, then it replays the registry topic and knows every organisation in its latest state", async () => {
    await projected(node.bulletins, enterprise, "the deactivated enterprise");
    await projected(node.bulletins, renamed, "the renamed chamber");
    await projected(node.bulletins, bureau, "the bureau");
    const known = await allKnown(node.bulletins);
    expect(known).toHaveLength(3);
    const byId = new Map(known.map((k) => [k.organisationId, k]));
    expect(byId.get(bureau.organisationId)).toEqual({
      organisationId: bureau.organisationId,
      organisation: refOf(bureau),
      type: commonV1.OrganisationType.ORGANISATION_TYPE_JUSTICE_BUREAU,
      active: true,
      registryRevision: bureau.revision,
    });
    expect(byId.get(chamber.organisationId)).toMatchObject({
      organisation: { creditCode: chamber.creditCode, jurisdictionCode: "120101", name: "和平区工商联商会" },
      type: commonV1.OrganisationType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      active: true,
      registryRevision: renamed.revision,
    });
    expect(byId.get(enterprise.organisationId)).toMatchObject({
      type: commonV1.OrganisationType.ORGANISATION_TYPE_ENTERPRISE,
      active: false,
      registryRevision: enterprise.revision,
    });
    // One row per organisation, whatever the number of events.
    const rows = await query(node.database.url, "select organisation_id from bulletins.known_organisations");
    expect(rows).toHaveLength(3);
  });

  it("when listing, then it orders by name, filters by jurisdiction and text (name, case-insensitive, or credit code), and pages", async () => {
    const names = (ks: Known[]) => ks.map((k) => k.organisation!.name);
    expect(names(await allKnown(node.bulletins))).toEqual(["Tianjin Example Trading Co.", "和平区工商联商会", "天津市司法局"].sort());
    expect(names(await allKnown(node.bulletins, { jurisdictionCode: "120101" }))).toEqual(["和平区工商联商会"]);
    expect(names(await allKnown(node.bulletins, { text: "example trading" }))).toEqual(["Tianjin Example Trading Co."]);
    expect(names(await allKnown(node.bulletins, { text: "工商联" }))).toEqual(["和平区工商联商会"]);
    expect(names(await allKnown(node.bulletins, { text: bureau.creditCode.toLowerCase() }))).toEqual(["天津市司法局"]);
    expect(await allKnown(node.bulletins, { text: "100%" })).toEqual([]);

    const first = await node.bulletins.listKnownOrganisations({ jurisdictionCode: "", text: "", page: { pageSize: 2, pageToken: "" } });
    expect(first.organisations).toHaveLength(2);
    expect(first.page).toEqual({ nextPageToken: expect.any(String), totalSize: 3 });
    expect(first.page!.nextPageToken).not.toBe("");
    const second = await node.bulletins.listKnownOrganisations({
      jurisdictionCode: "",
      text: "",
      page: { pageSize: 2, pageToken: first.page!.nextPageToken },
    });
    expect(second.organisations).toHaveLength(1);
    expect(second.page!.nextPageToken).toBe("");
    expect(names([...first.organisations, ...second.organisations])).toEqual(names(await allKnown(node.bulletins)));
  });

  it("when the filter or page is bad, then INVALID_ARGUMENT names the field", async () => {
    const bad = await statusOf(
      node.bulletins.listKnownOrganisations({ jurisdictionCode: "110000", text: "x".repeat(201), page: undefined }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field).sort()).toEqual(["jurisdiction_code", "text"]);
    const first = await node.bulletins.listKnownOrganisations({ jurisdictionCode: "", text: "", page: { pageSize: 1, pageToken: "" } });
    const otherFilter = await statusOf(
      node.bulletins.listKnownOrganisations({
        jurisdictionCode: "120000",
        text: "",
        page: { pageSize: 1, pageToken: first.page!.nextPageToken },
      }),
    );
    expect(otherFilter.code).toBe(status.INVALID_ARGUMENT);
    expect(otherFilter.fieldViolations.map((v) => v.field)).toEqual(["page.page_token"]);
  });

  it("when a draft names the deactivated organisation, then it is FAILED_PRECONDITION and nothing is added", async () => {
    const before = await bulletinsFootprint(node.database.url);
    const inMain = await statusOf(
      node.bulletins.createBulletinDraft(
        draftRequest({
          issuer: refOf(bureau),
          mainAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [refOf(enterprise)] },
        }),
      ),
    );
    expect(inMain.code).toBe(status.FAILED_PRECONDITION);
    expect(inMain.preconditionViolations).toEqual([
      {
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${enterprise.creditCode}`,
        description: expect.stringContaining("main_audience.organisations[0]"),
      },
    ]);
    // An enterprise never issues a bulletin, active or not (the registry says what it is).
    const asIssuer = await statusOf(node.bulletins.createBulletinDraft(draftRequest({ issuer: refOf(enterprise) })));
    expect(asIssuer.code).toBe(status.INVALID_ARGUMENT);
    expect(asIssuer.fieldViolations.map((v) => v.field)).toEqual(["issuer.credit_code"]);
    const inCopy = await statusOf(
      node.bulletins.createBulletinDraft(
        draftRequest({
          issuer: refOf(bureau),
          copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [refOf(enterprise)] },
        }),
      ),
    );
    expect(inCopy.code).toBe(status.FAILED_PRECONDITION);
    expect(await bulletinsFootprint(node.database.url)).toEqual(before);
  });

  it("when a draft names active and unknown organisations, then it is accepted; adding the deactivated one on update is refused and changes nothing", async () => {
    const unknown = { creditCode: creditCodeFor("120102"), jurisdictionCode: "120102", name: "河东区某企业" };
    const audience = { allDistricts: false, jurisdictionCodes: [], organisations: [{ ...refOf(renamed) }, unknown] };
    const { bulletin } = await node.bulletins.createBulletinDraft(draftRequest({ issuer: refOf(bureau), mainAudience: audience }));
    expect(bulletin!.status).toBe(B.BulletinStatus.BULLETIN_STATUS_DRAFT);

    const before = await bulletinsFootprint(node.database.url);
    const refused = await statusOf(
      node.bulletins.updateBulletinDraft({
        ...draftRequest(),
        bulletinId: bulletin!.bulletinId,
        expectedRevision: bulletin!.revision,
        mainAudience: audience,
        copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [refOf(enterprise)] },
      }),
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.preconditionViolations[0]!.description).toContain("copy_audience.organisations[0]");
    expect(await bulletinsFootprint(node.database.url)).toEqual(before);
    const { bulletin: unchanged } = await node.bulletins.getBulletin({ bulletinId: bulletin!.bulletinId, readerCreditCode: "" });
    expect(unchanged!.revision).toBe(bulletin!.revision);
    expect(unchanged!.copyAudience!.organisations).toEqual([]);
  });
});

describe("given the registry and bulletins running together", () => {
  const ns = uniqueNamespace("orgs-live");
  const topic = `${ns}.120000.liaison.registry`;
  const dlq = `${ns}.120000.bulletins.dlq`;
  const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "orgs-live-test", logLevel: logLevel.NOTHING });
  let node: TestNode;
  let producer: Producer;

  beforeAll(async () => {
    node = await startTestNode({ jurisdictionCode: "120000", namespace: ns });
    await registerIssuers(node);
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await node?.stop();
    await node?.database.drop();
  });

  it("when an organisation is registered, renamed and deactivated, then the projection follows each change live", async () => {
    const { organisation: registered } = await registerParty(node.liaison, {
      type: OrgType.ORGANISATION_TYPE_LAW_FIRM,
      name: "天津某律师事务所",
      jurisdictionCode: "120000",
    });
    const first = await projected(node.bulletins, registered, "the registration");
    expect(first).toMatchObject({
      active: true,
      registryRevision: registered.revision,
      type: commonV1.OrganisationType.ORGANISATION_TYPE_LAW_FIRM,
    });

    // A draft may address it while it is active.
    const { bulletin } = await node.bulletins.createBulletinDraft(
      draftRequest({ mainAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [refOf(registered)] } }),
    );
    await node.bulletins.approveBulletin({ bulletinId: bulletin!.bulletinId, expectedRevision: 0, approver: APPROVER, reason: "" });

    const { organisation: renamed } = await node.liaison.registry.updateOrganisation({
      organisationId: registered.organisationId,
      expectedRevision: registered.revision,
      name: "天津某某律师事务所",
      reason: "更名",
    });
    const second = await projected(node.bulletins, renamed!, "the rename");
    expect(second.organisation!.name).toBe("天津某某律师事务所");
    expect(second.registryRevision).toBe(renamed!.revision);

    const { organisation: deactivated } = await node.liaison.registry.deactivateOrganisation({
      organisationId: registered.organisationId,
      expectedRevision: renamed!.revision,
      reason: "注销",
    });
    expect((await projected(node.bulletins, deactivated!, "the deactivation")).active).toBe(false);

    // The draft made while it was active can no longer be updated to address it.
    const before = await bulletinsFootprint(node.database.url);
    const refused = await statusOf(
      node.bulletins.updateBulletinDraft({
        ...draftRequest({ mainAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [refOf(renamed!)] } }),
        bulletinId: bulletin!.bulletinId,
        expectedRevision: 0,
      }),
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.preconditionViolations[0]!.type).toBe("ORGANISATION_DEACTIVATED");
    expect(await bulletinsFootprint(node.database.url)).toEqual(before);

    // Nor published to it: the check runs again at publication.
    const unpublished = await statusOf(
      node.bulletins.publishBulletin({ reason: "", bulletinId: bulletin!.bulletinId, expectedRevision: 0 }),
    );
    expect(unpublished.code).toBe(status.FAILED_PRECONDITION);
    expect(unpublished.preconditionViolations[0]!.type).toBe("ORGANISATION_DEACTIVATED");
    expect(await bulletinsFootprint(node.database.url)).toEqual(before);
  });

  // Hand-made registry events, as the liaison service would publish them.
  function registryEvent(
    type: "registered" | "updated" | "deactivated",
    organisation: Partial<liaisonV1.Organisation> & { organisationId: string },
    overrides: Partial<CloudEvent> = {},
  ): CloudEvent {
    const o = liaisonV1.Organisation.fromPartial({
      type: commonV1.OrganisationType.ORGANISATION_TYPE_ENTERPRISE,
      name: "某民营企业",
      creditCode: creditCodeFor("120000", "91"),
      jurisdictionCode: "120000",
      status:
        type === "deactivated"
          ? liaisonV1.OrganisationStatus.ORGANISATION_STATUS_DEACTIVATED
          : liaisonV1.OrganisationStatus.ORGANISATION_STATUS_ACTIVE,
      revision: 1,
      registryJurisdictionCode: "120000",
      ...organisation,
    });
    const audit = { actor: "registrar", reason: "", requestId: "r", occurTime: new Date(), jurisdictionCode: "120000" };
    const E = liaisonEventsV1;
    const fields = { organisationId: organisation.organisationId, organisation: o, audit };
    const [message, data] =
      type === "registered"
        ? ["OrganisationRegistered", E.OrganisationRegistered.encode(E.OrganisationRegistered.fromPartial(fields)).finish()]
        : type === "updated"
          ? ["OrganisationUpdated", E.OrganisationUpdated.encode(E.OrganisationUpdated.fromPartial({ ...fields, change: 1 })).finish()]
          : ["OrganisationDeactivated", E.OrganisationDeactivated.encode(E.OrganisationDeactivated.fromPartial(fields)).finish()];
    return {
      id: randomUUID(),
      source: "/jinlian/120000/liaison",
      type: `jinlian.liaison.organisation.${type}.v1`,
      time: new Date(),
      subject: organisation.organisationId,
      dataschema: `urn:jinlian:protobuf:jinlian.liaison.events.v1.${message}`,
      data,
      ...overrides,
    };
  }

  async function send(...events: CloudEvent[]): Promise<void> {
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({ key: e.subject, value: Buffer.from(e.data), headers: toKafkaHeaders(e) })),
    });
  }

  async function inInbox(id: string): Promise<boolean> {
    const rows = await query(node.database.url, "select 1 from bulletins.inbox where consumer = 'organisations' and event_id = $1", [id]);
    return rows.length === 1;
  }

  async function row(id: string): Promise<{ name: string; registry_revision: number; active: boolean } | undefined> {
    const [r] = await query<{ name: string; registry_revision: number; active: boolean }>(
      node.database.url,
      "select name, registry_revision, active from bulletins.known_organisations where organisation_id = $1",
      [id],
    );
    return r;
  }

  it("when an organisation is corrected, reactivated, given industry and memberships, then moved away, then the projection follows each", async () => {
    const registry = node.liaison.registry;
    const row = async (id: string) =>
      (
        await query<{
          type: string;
          name: string;
          credit_code: string;
          active: boolean;
          held_here: boolean;
          registry_revision: number;
          industry_section: string | null;
          member_of: string[];
          chamber_credit_code: string;
        }>(node.database.url, "select * from bulletins.known_organisations where organisation_id = $1", [id])
      )[0];
    const at = (id: string, revision: number, what: string) =>
      waitFor(async () => ((await row(id))?.registry_revision ?? 0) >= revision && (await row(id)), { ...WAIT, what });

    const { organisation: chamber } = await registerParty(node.liaison, {
      type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: "南开区某商会",
      jurisdictionCode: "120104",
    });
    const { organisation: wrong } = await registerParty(node.liaison, {
      type: OrgType.ORGANISATION_TYPE_LAW_FIRM,
      name: "误录企业",
      jurisdictionCode: "120104",
    });
    const code = creditCodeFor("120104", "91");
    const { organisation: corrected } = await registry.correctOrganisation({
      organisationId: wrong.organisationId,
      expectedRevision: wrong.revision,
      type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
      name: "南开某科技有限公司",
      creditCode: code,
      jurisdictionCode: "",
      chamber: undefined,
      reason: "类型、名称、代码录入错误",
    });
    expect(await at(wrong.organisationId, corrected!.revision, "the correction")).toMatchObject({
      type: "ENTERPRISE",
      name: "南开某科技有限公司",
      credit_code: code,
    });

    const { organisation: member } = await registry.updateAffiliations({
      organisationId: wrong.organisationId,
      expectedRevision: 0,
      affiliations: {
        industry: { section: "I", description: "软件" },
        memberOf: [{ organisationId: chamber.organisationId, creditCode: "" }],
      },
      reason: "入会",
    });
    expect(await at(wrong.organisationId, member!.revision, "the memberships")).toMatchObject({
      industry_section: "I",
      member_of: [chamber.creditCode],
    });

    const { organisation: off } = await registry.deactivateOrganisation({
      organisationId: wrong.organisationId,
      expectedRevision: 0,
      reason: "误注销",
    });
    expect(await at(wrong.organisationId, off!.revision, "the deactivation")).toMatchObject({ active: false });
    const { organisation: on } = await registry.reactivateOrganisation({
      organisationId: wrong.organisationId,
      expectedRevision: 0,
      reason: "恢复",
    });
    expect(await at(wrong.organisationId, on!.revision, "the reactivation")).toMatchObject({ active: true, held_here: true });

    const { organisation: moved } = await registry.moveOrganisation({
      organisationId: wrong.organisationId,
      expectedRevision: 0,
      toRegistryJurisdictionCode: "120104",
      jurisdictionCode: "",
      reason: "迁至南开区登记",
    });
    expect(await at(wrong.organisationId, moved!.revision, "the move")).toMatchObject({ held_here: false, active: false });
    // No longer addressable here: not listed, and naming it is not refused as deactivated (it is active at 120104).
    expect((await allKnown(node.bulletins, { text: code })).map((k) => k.organisationId)).toEqual([]);
    await node.bulletins.createBulletinDraft(
      draftRequest({ mainAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [refOf(moved!)] } }),
    );
  });

  it("when an event repeats or an older revision arrives after a newer one, then nothing goes back in time", async () => {
    const id = randomUUID();
    const creditCode = creditCodeFor("120000", "91");
    const newer = registryEvent("updated", { organisationId: id, creditCode, name: "新名称", revision: 5 });
    const older = registryEvent("registered", { organisationId: id, creditCode, name: "旧名称", revision: 4 });
    // Same key, so one partition: consumed in this order.
    await send(newer, newer, older);
    await waitFor(() => inInbox(older.id), { ...WAIT, what: "the older event consumed" });
    expect(await row(id)).toEqual({ name: "新名称", registry_revision: 5, active: true });
    const inbox = await query(node.database.url, "select 1 from bulletins.inbox where event_id = $1", [newer.id]);
    expect(inbox).toHaveLength(1);
  });

  it("when a registry event is malformed or foreign, then it is dead-lettered as REFUSED and later events are still applied", async () => {
    const missing = registryEvent("updated", { organisationId: randomUUID() });
    const withoutOrganisation: CloudEvent = {
      ...missing,
      data: liaisonEventsV1.OrganisationUpdated.encode({
        organisationId: missing.subject,
        organisation: undefined,
        change: 1,
        audit: undefined,
      }).finish(),
    };
    const badId = registryEvent("registered", { organisationId: "not-a-uuid" });
    const foreign = registryEvent("registered", { organisationId: randomUUID() }, { source: "/jinlian/120101/liaison" });
    const contradictory = registryEvent("deactivated", {
      organisationId: randomUUID(),
      status: liaisonV1.OrganisationStatus.ORGANISATION_STATUS_ACTIVE,
    });
    const good = registryEvent("registered", { organisationId: randomUUID(), name: "后来的企业" });
    await send(withoutOrganisation, badId, foreign, contradictory, good);
    await waitFor(async () => (await row(good.subject)) !== undefined, { ...WAIT, what: "the good event after the bad ones" });

    const letters = await readDeadLetters(kafka, dlq, 4);
    const byKey = new Map(letters.map((l) => [l.key, l]));
    for (const bad of [withoutOrganisation, badId, foreign, contradictory]) expect(byKey.get(bad.subject)?.reason).toBe("REFUSED");
    for (const bad of [withoutOrganisation, foreign, contradictory]) expect(await row(bad.subject)).toBeUndefined();
    expect(byKey.get(withoutOrganisation.subject)!.error).toMatch(/data\.organisation/);
  });
});
