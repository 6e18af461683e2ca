/**
 * Bulletins as an office issues them, over gRPC at one node on real PostgreSQL and Kafka: the
 * issuer from the registry, joint issuance (联合印发), approval (签发) before publication, deleting
 * a draft, a correction of the audience, restricted bulletins (限制分发) and the filters officers
 * use. Every refusal changes nothing.
 */
import { status } from "@grpc/grpc-js";
import { withCheckCharacter } from "@jinlian/kernel";
import { bulletinsV1, commonV1, liaisonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { bulletinsFootprint, query } from "../support/db";
import { draftRequest, HEPING_CHAMBER, MUNICIPAL_FEDERATION, MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { APPROVER, approveAndPublish, registerIssuers } from "../support/issuers";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";
import { bulletinsOf } from "../support/answers";

const B = bulletinsV1;
const T = commonV1.OrganisationType;
jest.setTimeout(120_000);

let city: TestNode;
const ENTERPRISE = { creditCode: withCheckCharacter("91120000MA0000077"), jurisdictionCode: "120000", name: "天津某贸易有限公司" };
const HEPING_BUREAU = { creditCode: withCheckCharacter("11120101MB0000077"), jurisdictionCode: "120101", name: "和平区司法局" };
const byCode = (creditCode: string) => ({ creditCode, jurisdictionCode: "", name: "" });
const none = { allDistricts: false, jurisdictionCodes: [], organisations: [] };
const nodes = (...codes: string[]) => ({ allDistricts: false, jurisdictionCodes: codes, organisations: [] });

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("office") });
  // The city's bureau and federation issue; an enterprise and another node's bureau are in the registry too.
  await registerIssuers(city, [
    { ref: MUNICIPAL_JUSTICE_BUREAU, type: T.ORGANISATION_TYPE_JUSTICE_BUREAU },
    { ref: MUNICIPAL_FEDERATION, type: T.ORGANISATION_TYPE_FEDERATION },
    { ref: ENTERPRISE, type: T.ORGANISATION_TYPE_ENTERPRISE },
    { ref: HEPING_BUREAU, type: T.ORGANISATION_TYPE_JUSTICE_BUREAU },
  ]);
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

/** The call starts only after the "before" snapshot, so its own writes cannot hide in it. */
async function refusedUnchanged(call: () => Promise<unknown>) {
  const before = await bulletinsFootprint(city.database.url);
  const st = await statusOf(call());
  expect(await bulletinsFootprint(city.database.url)).toEqual(before);
  return st;
}

describe("the issuer comes from the registry", () => {
  it("takes the issuer's name and jurisdiction from the registry, whatever the caller typed", async () => {
    const { bulletin } = await bulletinsOf(city).createBulletinDraft(
      draftRequest({ issuer: { creditCode: MUNICIPAL_JUSTICE_BUREAU.creditCode, jurisdictionCode: "", name: "随手写的名字" } }),
    );
    expect(bulletin!.issuer).toEqual(MUNICIPAL_JUSTICE_BUREAU);
  });

  it.each([
    ["an unknown credit code", byCode(withCheckCharacter("11120000MB9999999"))],
    ["an enterprise", byCode(ENTERPRISE.creditCode)],
    ["another node's justice bureau", byCode(HEPING_BUREAU.creditCode)],
  ])("refuses %s as issuer with INVALID_ARGUMENT on issuer.credit_code, changing nothing", async (_what, issuer) => {
    const st = await refusedUnchanged(() => bulletinsOf(city).createBulletinDraft(draftRequest({ issuer })));
    expect(st.code).toBe(status.INVALID_ARGUMENT);
    expect(st.fieldViolations.map((v) => v.field)).toEqual(["issuer.credit_code"]);
  });

  it("refuses a co-issuer that is not a bureau or federation of this node", async () => {
    const st = await refusedUnchanged(() =>
      bulletinsOf(city).createBulletinDraft(draftRequest({ coIssuers: [byCode(ENTERPRISE.creditCode)] })),
    );
    expect(st.fieldViolations.map((v) => v.field)).toEqual(["co_issuers[0].credit_code"]);
  });
});

describe("joint issuance (联合印发)", () => {
  it("numbers a joint bulletin in the lead issuer's series only, and shows every issuer", async () => {
    const special = B.BulletinKind.BULLETIN_KIND_SPECIAL_NOTICE;
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(
      draftRequest({ kind: special, coIssuers: [byCode(MUNICIPAL_FEDERATION.creditCode)], title: "联合通报" }),
    );
    expect(d!.coIssuers).toEqual([MUNICIPAL_FEDERATION]);
    const joint = await approveAndPublish(city.bulletins, d!.bulletinId);
    expect(joint.issueNumber!.number).toBe(1);
    expect(joint.coIssuers).toEqual([MUNICIPAL_FEDERATION]);
    // The bureau's series moved on; the federation's did not.
    const byBureau = await approveAndPublish(
      city.bulletins,
      (await bulletinsOf(city).createBulletinDraft(draftRequest({ kind: special }))).bulletin!.bulletinId,
    );
    expect(byBureau.issueNumber!.number).toBe(2);
    const byFederation = await approveAndPublish(
      city.bulletins,
      (await bulletinsOf(city).createBulletinDraft(draftRequest({ kind: special, issuer: byCode(MUNICIPAL_FEDERATION.creditCode) })))
        .bulletin!.bulletinId,
    );
    expect(byFederation.issueNumber!.number).toBe(1);
    // Listed under either issuer.
    const { bulletins } = await city.bulletins.listBulletins({
      filter: B.BulletinFilter.fromPartial({ issuerCreditCode: MUNICIPAL_FEDERATION.creditCode, kind: special }),
      page: undefined,
      readerCreditCode: "",
    });
    expect(bulletins.map((b) => b.bulletinId).sort()).toEqual([joint.bulletinId, byFederation.bulletinId].sort());
  });
});

describe("签发 approval", () => {
  it("refuses to publish an unapproved draft (BULLETIN_NOT_APPROVED), records the approval, and withdraws it when the draft changes", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest());
    const id = d!.bulletinId;
    const unapproved = await refusedUnchanged(() => bulletinsOf(city).publishBulletin({ bulletinId: id, expectedRevision: 0, reason: "" }));
    expect(unapproved.code).toBe(status.FAILED_PRECONDITION);
    expect(unapproved.preconditionViolations[0]!.type).toBe("BULLETIN_NOT_APPROVED");

    const noApprover = await refusedUnchanged(() =>
      bulletinsOf(city).approveBulletin({ bulletinId: id, expectedRevision: 1, approver: { name: "", position: " " }, reason: "" }),
    );
    expect(noApprover.fieldViolations.map((v) => v.field)).toEqual(["approver.name", "approver.position"]);
    const stale = await refusedUnchanged(() =>
      bulletinsOf(city).approveBulletin({ bulletinId: id, expectedRevision: 9, approver: APPROVER, reason: "" }),
    );
    expect(stale.code).toBe(status.ABORTED);

    const { bulletin: approved } = await bulletinsOf(city).approveBulletin({
      bulletinId: id,
      expectedRevision: 1,
      approver: APPROVER,
      reason: "同意印发",
    });
    expect(approved!.approval).toEqual({
      approver: APPROVER,
      audit: expect.objectContaining({ actor: "test-operator", reason: "同意印发", jurisdictionCode: "120000" }),
    });
    const twice = await refusedUnchanged(() =>
      bulletinsOf(city).approveBulletin({ bulletinId: id, expectedRevision: 0, approver: APPROVER, reason: "" }),
    );
    expect(twice.preconditionViolations[0]!.type).toBe("BULLETIN_ALREADY_APPROVED");

    const { bulletin: changed } = await bulletinsOf(city).updateBulletinDraft({
      ...draftRequest(),
      bulletinId: id,
      expectedRevision: 2,
      title: "改过的标题",
    });
    expect(changed!.approval).toBeUndefined();
    const again = await statusOf(bulletinsOf(city).publishBulletin({ bulletinId: id, expectedRevision: 0, reason: "" }));
    expect(again.preconditionViolations[0]!.type).toBe("BULLETIN_NOT_APPROVED");

    const published = await approveAndPublish(city.bulletins, id);
    expect(published.approval!.approver).toEqual(APPROVER);
    // The published event carries it (the outbox row for 120101).
    const [row] = await query<{ n: string }>(
      city.database.url,
      "select count(*) as n from bulletins.outbox where message_key = $1 and event_type = $2",
      [id, "jinlian.bulletins.bulletin.published.v1"],
    );
    expect(Number(row!.n)).toBe(1);
  });
});

describe("co-issuers of a draft", () => {
  it("are replaced only when asked, named from the registry; an enterprise is refused, changing nothing", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest({ title: "联合印发草稿" }));
    const id = d!.bulletinId;
    const { bulletin: joint } = await bulletinsOf(city).updateBulletinDraft({
      ...draftRequest({ title: "联合印发草稿" }),
      bulletinId: id,
      expectedRevision: 1,
      coIssuers: [byCode(MUNICIPAL_FEDERATION.creditCode)],
      replaceCoIssuers: true,
    });
    expect(joint!.coIssuers).toEqual([MUNICIPAL_FEDERATION]);
    // A request copied from the create request (co-issuers empty, no replace) keeps them.
    const { bulletin: kept } = await bulletinsOf(city).updateBulletinDraft({
      ...draftRequest({ title: "改过的标题" }),
      bulletinId: id,
      expectedRevision: 2,
    });
    expect(kept!.coIssuers).toEqual([MUNICIPAL_FEDERATION]);
    const refused = await refusedUnchanged(() =>
      bulletinsOf(city).updateBulletinDraft({
        ...draftRequest(),
        bulletinId: id,
        expectedRevision: 3,
        coIssuers: [byCode(ENTERPRISE.creditCode)],
        replaceCoIssuers: true,
      }),
    );
    expect(refused.fieldViolations.map((v) => v.field)).toEqual(["co_issuers[0].credit_code"]);
    const { bulletin: alone } = await bulletinsOf(city).updateBulletinDraft({
      ...draftRequest(),
      bulletinId: id,
      expectedRevision: 3,
      replaceCoIssuers: true,
    });
    expect(alone!.coIssuers).toEqual([]);
  });
});

describe("deleting a draft", () => {
  it("deletes an unpublished draft (audited, then NOT_FOUND) and refuses a published one", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest({ title: "作废草稿" }));
    const id = d!.bulletinId;
    expect(
      (await refusedUnchanged(() => bulletinsOf(city).deleteBulletinDraft({ bulletinId: id, expectedRevision: 5, reason: "" }))).code,
    ).toBe(status.ABORTED);
    expect(await bulletinsOf(city).deleteBulletinDraft({ bulletinId: id, expectedRevision: 1, reason: "重复起草" })).toEqual({
      bulletinId: id,
    });
    expect((await statusOf(city.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" }))).code).toBe(status.NOT_FOUND);
    const { entries } = await city.bulletins.listAuditEntries(
      bulletinsV1.ListAuditEntriesRequest.fromPartial({ aggregateType: "", aggregateId: id, actor: "", page: undefined }),
    );
    expect(entries.map((e) => [e.action, e.revision, e.audit?.reason])).toEqual([
      ["DeleteBulletinDraft", 2, "重复起草"],
      ["CreateBulletinDraft", 1, ""],
    ]);

    const published = await approveAndPublish(
      city.bulletins,
      (await bulletinsOf(city).createBulletinDraft(draftRequest())).bulletin!.bulletinId,
    );
    const refused = await refusedUnchanged(() =>
      bulletinsOf(city).deleteBulletinDraft({ bulletinId: published.bulletinId, expectedRevision: 0, reason: "" }),
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.preconditionViolations[0]!.type).toBe("BULLETIN_NOT_DRAFT");
  });
});

describe("a correction may fix the audience", () => {
  it("supplies the bulletin to a node added and withdraws it from a node removed, at version 2, without a new number", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest({ mainAudience: nodes("120101", "120102") }));
    const v1 = await approveAndPublish(city.bulletins, d!.bulletinId);
    const { bulletin: v2 } = await bulletinsOf(city).correctBulletin({
      bulletinId: v1.bulletinId,
      expectedRevision: v1.revision,
      title: v1.title,
      body: v1.body,
      reason: "主送单位有误",
      mainAudience: nodes("120102", "120103"),
      copyAudience: undefined,
    });
    expect(v2!.currentVersion).toBe(2);
    expect(v2!.issueNumber).toEqual(v1.issueNumber);
    expect(v2!.mainAudience!.jurisdictionCodes).toEqual(["120102", "120103"]);
    const status_ = await city.bulletins.getBulletinReadStatus({ bulletinId: v1.bulletinId });
    const stateOf = (code: string) =>
      status_.recipients.find((r) => r.recipient?.recipient?.$case === "jurisdictionCode" && r.recipient.recipient.value === code)!.state;
    expect(stateOf("120101")).toBe(B.ReadState.READ_STATE_NOT_REQUIRED);
    expect(stateOf("120102")).toBe(B.ReadState.READ_STATE_UNREAD);
    expect(stateOf("120103")).toBe(B.ReadState.READ_STATE_UNREAD);
    const events = await query<{ topic: string; event_type: string }>(
      city.database.url,
      "select topic, event_type from bulletins.outbox where message_key = $1 order by seq",
      [v1.bulletinId],
    );
    expect(events.slice(2).map((e) => [e.event_type.split(".")[3], e.topic.split(".").at(-1)])).toEqual([
      ["corrected", "120102"],
      ["supplied", "120103"],
      ["withdrawn", "120101"],
    ]);
  });

  it("keeps title and body when a correction of the audience alone leaves them empty", async () => {
    const v1 = await approveAndPublish(city.bulletins, (await bulletinsOf(city).createBulletinDraft(draftRequest())).bulletin!.bulletinId);
    const { bulletin: v2 } = await bulletinsOf(city).correctBulletin({
      bulletinId: v1.bulletinId,
      expectedRevision: v1.revision,
      title: "",
      body: "",
      reason: "补发河东区",
      mainAudience: nodes("120101", "120102"),
    });
    expect(v2).toMatchObject({ currentVersion: 2, title: v1.title, body: v1.body });
    expect(v2!.versions[1]).toMatchObject({ version: 2, title: v1.title, body: v1.body });
    // Without an audience the content is what is corrected: both stay required, nothing changes.
    const st = await refusedUnchanged(() =>
      bulletinsOf(city).correctBulletin({ bulletinId: v1.bulletinId, expectedRevision: 0, title: "", body: "", reason: "r" }),
    );
    expect(st.fieldViolations.map((v) => v.field)).toEqual(["title", "body"]);
  });

  it("refuses a correction whose audience names no main recipient, changing nothing", async () => {
    const v1 = await approveAndPublish(city.bulletins, (await bulletinsOf(city).createBulletinDraft(draftRequest())).bulletin!.bulletinId);
    const st = await refusedUnchanged(() =>
      bulletinsOf(city).correctBulletin({
        bulletinId: v1.bulletinId,
        expectedRevision: 0,
        title: "t",
        body: "b",
        reason: "r",
        mainAudience: none,
        copyAudience: undefined,
      }),
    );
    expect(st.fieldViolations.map((v) => v.field)).toEqual(["main_audience"]);
  });
});

describe("限制分发: restricted bulletins", () => {
  const restricted = B.Classification.CLASSIFICATION_RESTRICTED;

  it("refuses a restricted draft addressed to all districts", async () => {
    const st = await refusedUnchanged(() =>
      bulletinsOf(city).createBulletinDraft(draftRequest({ classification: restricted, mainAudience: { ...none, allDistricts: true } })),
    );
    expect(st.fieldViolations.map((v) => v.field)).toEqual(["main_audience.all_districts"]);
  });

  it("shows a restricted bulletin to its issuers and named recipients only", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(
      draftRequest({ classification: restricted, title: "限制分发通报", mainAudience: { ...none, organisations: [HEPING_CHAMBER] } }),
    );
    const id = (await approveAndPublish(city.bulletins, d!.bulletinId)).bulletinId;
    const get = (reader: string) => city.bulletins.getBulletin({ bulletinId: id, readerCreditCode: reader });
    expect((await get(MUNICIPAL_JUSTICE_BUREAU.creditCode)).bulletin!.bulletinId).toBe(id);
    expect((await get(HEPING_CHAMBER.creditCode)).bulletin!.bulletinId).toBe(id);
    expect((await statusOf(get(""))).code).toBe(status.NOT_FOUND);
    expect((await statusOf(get(ENTERPRISE.creditCode))).code).toBe(status.NOT_FOUND);
    expect((await statusOf(get(MUNICIPAL_FEDERATION.creditCode))).code).toBe(status.NOT_FOUND);
    const bad = await statusOf(get("12345"));
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["reader_credit_code"]);
    // Who has read it is as restricted as the bulletin.
    const readStatus = (reader: string) => city.bulletins.getBulletinReadStatus({ bulletinId: id, readerCreditCode: reader });
    expect((await readStatus(MUNICIPAL_JUSTICE_BUREAU.creditCode)).recipients).toHaveLength(1);
    expect((await statusOf(readStatus(ENTERPRISE.creditCode))).code).toBe(status.NOT_FOUND);
    expect((await statusOf(readStatus(""))).code).toBe(status.NOT_FOUND);

    const listed = async (reader: string) =>
      (
        await city.bulletins.listBulletins({
          filter: B.BulletinFilter.fromPartial({ text: "限制分发通报" }),
          page: undefined,
          readerCreditCode: reader,
        })
      ).bulletins.map((b) => b.bulletinId);
    expect(await listed("")).toEqual([]);
    expect(await listed(ENTERPRISE.creditCode)).toEqual([]);
    expect(await listed(MUNICIPAL_JUSTICE_BUREAU.creditCode)).toEqual([id]);
    expect(await listed(HEPING_CHAMBER.creditCode)).toEqual([id]);
  });
});

describe("filters officers work with", () => {
  it("filters by urgency, classification, publish period, recipient and issuing node", async () => {
    const urgent = B.Urgency.URGENCY_EXTRA_URGENT;
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(
      draftRequest({
        urgency: urgent,
        classification: B.Classification.CLASSIFICATION_PUBLIC,
        title: "特急公开简报",
        mainAudience: nodes("120116"),
        copyAudience: { ...none, organisations: [HEPING_CHAMBER] },
      }),
    );
    const before = new Date(Date.now() - 1000);
    const b = await approveAndPublish(city.bulletins, d!.bulletinId);
    const after = new Date(Date.now() + 1000);
    const ids = async (f: Partial<bulletinsV1.BulletinFilter>) =>
      (
        await city.bulletins.listBulletins({ filter: B.BulletinFilter.fromPartial(f), page: undefined, readerCreditCode: "" })
      ).bulletins.map((x) => x.bulletinId);
    expect(await ids({ urgency: urgent })).toEqual([b.bulletinId]);
    expect(await ids({ urgency: urgent, classification: B.Classification.CLASSIFICATION_INTERNAL })).toEqual([]);
    expect(await ids({ urgency: urgent, publishPeriod: { startTime: before, endTime: after } })).toEqual([b.bulletinId]);
    expect(await ids({ urgency: urgent, publishPeriod: { startTime: after } })).toEqual([]);
    expect(await ids({ recipientJurisdictionCode: "120116" })).toEqual([b.bulletinId]);
    expect(await ids({ urgency: urgent, recipientJurisdictionCode: "120101" })).toEqual([]);
    expect(await ids({ urgency: urgent, recipientCreditCode: HEPING_CHAMBER.creditCode })).toEqual([b.bulletinId]);
    expect(await ids({ urgency: urgent, issuingJurisdictionCode: "120000" })).toEqual([b.bulletinId]);
    expect(await ids({ urgency: urgent, issuingJurisdictionCode: "120101" })).toEqual([]);

    const bad = await statusOf(
      city.bulletins.listBulletins({
        filter: B.BulletinFilter.fromPartial({
          urgency: 9 as bulletinsV1.Urgency,
          publishPeriod: { startTime: after, endTime: before },
          recipientJurisdictionCode: "999999",
          recipientCreditCode: "X",
          issuingJurisdictionCode: "1",
        }),
        page: undefined,
        readerCreditCode: "",
      }),
    );
    expect(bad.fieldViolations.map((v) => v.field).sort()).toEqual(
      [
        "filter.urgency",
        "filter.publish_period.end_time",
        "filter.recipient_jurisdiction_code",
        "filter.recipient_credit_code",
        "filter.issuing_jurisdiction_code",
      ].sort(),
    );
  });
});

describe("the issuer is re-checked at publication", () => {
  it("refuses to publish an approved draft whose issuer the registry has since deactivated (FAILED_PRECONDITION)", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest({ issuer: byCode(MUNICIPAL_FEDERATION.creditCode) }));
    await bulletinsOf(city).approveBulletin({ bulletinId: d!.bulletinId, expectedRevision: 0, approver: APPROVER, reason: "" });
    // The federation's registry id, to deactivate it.
    const { organisations } = await city.liaison.registry.listOrganisations(
      liaisonV1.ListOrganisationsRequest.fromPartial({ filter: { text: MUNICIPAL_FEDERATION.creditCode } }),
    );
    const federation = organisations.find((o) => o.creditCode === MUNICIPAL_FEDERATION.creditCode)!;
    await city.liaison.registry.deactivateOrganisation(
      liaisonV1.DeactivateOrganisationRequest.fromPartial({
        organisationId: federation.organisationId,
        expectedRevision: federation.revision,
        reason: "test: deactivated",
      }),
    );
    await waitFor(
      async () => {
        const { organisations: known } = await city.bulletins.listKnownOrganisations({
          jurisdictionCode: "",
          text: MUNICIPAL_FEDERATION.creditCode,
          page: undefined,
        });
        return known.some((k) => !k.active);
      },
      { timeoutMs: 45_000, intervalMs: 200, what: "the deactivation in the projection" },
    );
    const st = await refusedUnchanged(() =>
      bulletinsOf(city).publishBulletin({ bulletinId: d!.bulletinId, expectedRevision: 0, reason: "" }),
    );
    expect(st.code).toBe(status.FAILED_PRECONDITION);
    expect(st.preconditionViolations.map((v) => v.type)).toContain("ORGANISATION_DEACTIVATED");
    // And a new draft by it is refused as well.
    const draft = await refusedUnchanged(() =>
      bulletinsOf(city).createBulletinDraft(draftRequest({ issuer: byCode(MUNICIPAL_FEDERATION.creditCode) })),
    );
    expect(draft.code).toBe(status.FAILED_PRECONDITION);
  });
});
