/**
 * Joint research (art. 4) over gRPC at the municipal node, against real Kafka and PostgreSQL:
 * the chain from proposal through mutual invitations, findings and conclusion to outcomes linked
 * to what they became (成果转化), refusals that change nothing, concurrency and paging.
 */
import { status } from "@grpc/grpc-js";
import { legalServicesV1, liaisonV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { answersCheckedAgainstReads } from "../support/answers";
import { query } from "../support/db";
import { draftRequest } from "../support/fixtures";
import { OrgType, registerMechanismParties, registerParty, type Party } from "../support/liaison-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";
import { expectRefusedWithoutChange } from "../support/refusals";
import { registerIssuers } from "../support/issuers";
import { projected } from "../support/legal-services-fixtures";
import { registerDraftRequest } from "../support/legislation-fixtures";

const L = liaisonV1;
const Status = L.ResearchStatus;
const Invitation = L.InvitationStatus;
const Kind = L.TransformationKind;
jest.setTimeout(60_000);

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

let city: TestNode;
let bureau: Party;
let federation: Party;
let chamber: Party;
let firm: Party;

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("research") });
  await registerIssuers(city);
  ({ bureau, federation } = await registerMechanismParties(city.liaison, "120000"));
  chamber = await registerParty(city.liaison, {
    type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
    name: "天津市总商会",
    jurisdictionCode: "120000",
  });
  firm = await registerParty(city.liaison, {
    type: OrgType.ORGANISATION_TYPE_LAW_FIRM,
    name: "和平区某律师事务所",
    jurisdictionCode: "120101",
  });
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

type ArtefactKind = "LEGISLATION_DRAFT" | "LEGISLATION_PLAN_ITEM" | "TRAINING";

/** Waits until liaison learnt the artefact from its owning service's stream (what a link is validated against). */
async function linkable(kind: ArtefactKind, id: string): Promise<string> {
  await waitFor(
    async () =>
      (await query(city.database.url, "select 1 from liaison.linkable_artefacts where kind = $1 and artefact_id = $2", [kind, id])).length >
      0,
    { timeoutMs: 30_000, intervalMs: 100, what: `${kind} ${id} known to liaison` },
  );
  return id;
}

/** A draft registered with the node's legislation service, known to liaison. */
async function legislationDraft(title = "天津市民营经济促进条例（草案）"): Promise<string> {
  const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest({ title }));
  return linkable("LEGISLATION_DRAFT", draft!.draftId);
}

/** A training planned with the node's legal-services service, known to liaison. */
async function training(title: string): Promise<string> {
  await projected(city.database.url, [bureau.organisation]);
  const { training: t } = await city.legalServices.trainings.planTraining({
    kind: legalServicesV1.TrainingKind.TRAINING_KIND_NON_PUBLIC_LEGAL_TRAINING,
    title,
    organiserCreditCodes: [bureau.organisation.creditCode],
    audiences: [legalServicesV1.TrainingAudience.TRAINING_AUDIENCE_ENTREPRENEURS],
    startTime: new Date(Date.now() + 7 * 86_400_000),
    venue: "天津市司法局",
    districtCode: "120000",
    reason: "",
  });
  return linkable("TRAINING", t!.trainingId);
}

/** Nested optional: requests here name only what each test is about; the rest takes proto defaults. */
type DeepPartial<T> = T extends Date
  ? T
  : T extends readonly (infer E)[]
    ? DeepPartial<E>[]
    : T extends object
      ? { [P in keyof T]?: DeepPartial<T[P]> }
      : T;
type Lenient<C> = {
  [K in keyof C]: C[K] extends (req: infer R, ...rest: infer A) => infer O ? (req: DeepPartial<R>, ...rest: A) => O : C[K];
};

/**
 * The research client taking requests as written before the fields of issue 9 (credit codes,
 * participants): each request is completed with the contract's defaults (fromPartial), as a
 * client built from the older contract sends them.
 */
function lenient<C extends object>(client: C): Lenient<C> {
  return new Proxy(client, {
    get(target, name) {
      const method = (target as Record<string | symbol, unknown>)[name];
      if (typeof method !== "function" || typeof name !== "string") return method;
      const type = (L as unknown as Record<string, { fromPartial?: (o: unknown) => unknown }>)[
        `${name[0]!.toUpperCase()}${name.slice(1)}Request`
      ];
      return (req: unknown, ...rest: unknown[]) =>
        (method as (...a: unknown[]) => unknown).call(target, type?.fromPartial ? type.fromPartial(req) : req, ...rest);
    },
  }) as unknown as Lenient<C>;
}

/** Each write's answer is checked against GetJointResearch right after. */
const research = () =>
  lenient(
    answersCheckedAgainstReads(city.liaison.research, "research", async (r: liaisonV1.JointResearch) => {
      return (await city.liaison.research.getJointResearch({ researchId: r.researchId })).research;
    }),
  );
const idOf = (p: Party) => p.organisation.organisationId;

/** Row counts of every table a research mutation touches (and its revisions), to prove a refusal changed nothing. */
async function footprint(): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    city.database.url,
    `select (select count(*) from liaison.research_projects) as projects,
            (select coalesce(sum(revision), 0) from liaison.research_projects) as revisions,
            (select count(*) from liaison.research_projects where status = 'ONGOING') as ongoing,
            (select count(*) from liaison.research_invitations) as invitations,
            (select count(*) from liaison.research_invitations where status <> 'PENDING') as answered,
            (select count(*) from liaison.research_findings) as findings,
            (select count(*) from liaison.research_outcomes) as outcomes,
            (select count(*) from liaison.research_outcomes where link_kind is not null) as linked,
            (select count(*) from liaison.audit_entries) as audit_entries,
            (select count(*) from liaison.outbox) as outbox`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

/** Asserts that the call is refused with the code (and exactly these fields, if given) and changes nothing in the liaison schema. */
async function refused(call: () => Promise<unknown>, code: status, fields?: string[]) {
  const st = await expectRefusedWithoutChange({ url: city.database.url, schemas: ["liaison"] }, call, { code, fields });
  if (fields) expect(st.fieldViolations.map((v) => v.field)).toEqual(fields);
  return st;
}

async function propose(topic = "民营企业合规经营法律风险调研", lead = bureau) {
  return (await research().proposeJointResearch({ topic, leadOrganisationId: idOf(lead), description: "调研计划", reason: "年度计划" }))
    .research!;
}

/** A project the federation joined: ONGOING. */
async function ongoing(topic?: string) {
  const r = await propose(topic);
  const invited = (
    await research().inviteToJointResearch({
      researchId: r.researchId,
      expectedRevision: 0,
      organisationId: idOf(federation),
      invitedByOrganisationId: "",
      reason: "",
    })
  ).research!;
  const invitationId = invited.invitations[0]!.invitationId;
  return (
    await research().respondToResearchInvitation({
      researchId: r.researchId,
      expectedRevision: 0,
      invitationId,
      answer: Invitation.INVITATION_STATUS_ACCEPTED,
      reason: "",
    })
  ).research!;
}

async function concluded(topic?: string) {
  const r = await ongoing(topic);
  return (await research().concludeJointResearch({ researchId: r.researchId, expectedRevision: 0, reason: "调研完成" })).research!;
}

describe("the chain from proposal to what the outcomes became", () => {
  it("proposes, invites mutually, records findings, concludes, records outcomes and links them, traceable both ways", async () => {
    const before = await footprint();
    // The justice bureau proposes.
    const proposed = await propose("民营经济促进法实施中的法律服务需求调研");
    expect(proposed.status).toBe(Status.RESEARCH_STATUS_PROPOSED);
    expect(proposed.revision).toBe(1);
    expect(proposed.leadOrganisationId).toBe(idOf(bureau));
    expect(proposed.createTime).toBeInstanceOf(Date);
    const id = proposed.researchId;

    // The bureau (the lead) invites the federation.
    const r2 = (
      await research().inviteToJointResearch({
        researchId: id,
        expectedRevision: 1,
        organisationId: idOf(federation),
        invitedByOrganisationId: idOf(bureau),
        reason: "联合调研",
      })
    ).research!;
    expect(r2.revision).toBe(2);
    expect(r2.invitations).toEqual([
      expect.objectContaining({
        organisationId: idOf(federation),
        invitedByOrganisationId: idOf(bureau),
        status: Invitation.INVITATION_STATUS_PENDING,
        respondTime: undefined,
      }),
    ]);

    // The federation accepts: the research is under way.
    const r3 = (
      await research().respondToResearchInvitation({
        researchId: id,
        expectedRevision: 2,
        invitationId: r2.invitations[0]!.invitationId,
        answer: Invitation.INVITATION_STATUS_ACCEPTED,
        reason: "同意参加",
      })
    ).research!;
    expect(r3.status).toBe(Status.RESEARCH_STATUS_ONGOING);
    expect(r3.invitations[0]!.status).toBe(Invitation.INVITATION_STATUS_ACCEPTED);
    expect(r3.invitations[0]!.respondTime).toBeInstanceOf(Date);

    // The federation, now a participant, invites a chamber of commerce, which declines.
    const r4 = (
      await research().inviteToJointResearch({
        researchId: id,
        expectedRevision: 3,
        organisationId: idOf(chamber),
        invitedByOrganisationId: idOf(federation),
        reason: "商会参与",
      })
    ).research!;
    expect(r4.invitations[1]).toEqual(
      expect.objectContaining({ organisationId: idOf(chamber), invitedByOrganisationId: idOf(federation) }),
    );
    const r5 = (
      await research().respondToResearchInvitation({
        researchId: id,
        expectedRevision: 4,
        invitationId: r4.invitations[1]!.invitationId,
        answer: Invitation.INVITATION_STATUS_DECLINED,
        reason: "人手不足",
      })
    ).research!;
    expect(r5.invitations.map((i) => i.status)).toEqual([Invitation.INVITATION_STATUS_ACCEPTED, Invitation.INVITATION_STATUS_DECLINED]);
    expect(r5.status).toBe(Status.RESEARCH_STATUS_ONGOING);

    // A finding, then conclusion.
    const r6 = (
      await research().recordResearchFinding({
        researchId: id,
        expectedRevision: 5,
        text: "中小企业对合同审查服务需求最为集中",
        reason: "座谈会",
      })
    ).research!;
    expect(r6.findings).toEqual([
      expect.objectContaining({
        text: "中小企业对合同审查服务需求最为集中",
        audit: expect.objectContaining({ actor: "test-operator", reason: "座谈会", jurisdictionCode: "120000" }),
      }),
    ]);
    const r7 = (await research().concludeJointResearch({ researchId: id, expectedRevision: 6, reason: "调研结束" })).research!;
    expect(r7.status).toBe(Status.RESEARCH_STATUS_CONCLUDED);

    // Outcomes: one becomes a bulletin, one a legislation proposal.
    const { research: r8, outcome: toBulletin } = await research().recordResearchOutcome({
      researchId: id,
      expectedRevision: 7,
      summary: "形成法治体检工作简报",
      linkKind: 0,
      linkTargetId: "",
      reason: "",
    });
    expect(toBulletin).toEqual(expect.objectContaining({ summary: "形成法治体检工作简报", link: undefined }));
    expect(toBulletin!.audit).toEqual(
      expect.objectContaining({ actor: "test-operator", jurisdictionCode: "120000", occurTime: expect.any(Date) }),
    );
    const { research: r9, outcome: toProposal } = await research().recordResearchOutcome({
      researchId: id,
      expectedRevision: r8!.revision,
      summary: "提出地方性法规修改建议",
      linkKind: 0,
      linkTargetId: "",
      reason: "",
    });
    expect(r9!.outcomes.map((o) => o.outcomeId)).toEqual([toBulletin!.outcomeId, toProposal!.outcomeId]);

    const { bulletin } = await city.bulletins.createBulletinDraft(draftRequest({ title: "民营经济法律服务需求调研成果" }));
    const bulletinId = bulletin!.bulletinId;
    const r10 = (
      await research().linkResearchOutcome({
        researchId: id,
        expectedRevision: 9,
        outcomeId: toBulletin!.outcomeId,
        kind: Kind.TRANSFORMATION_KIND_BULLETIN,
        targetId: bulletinId,
        reason: "成果转化为简报",
      })
    ).research!;
    const proposalId = await legislationDraft();
    const r11 = (
      await research().linkResearchOutcome({
        researchId: id,
        expectedRevision: 10,
        outcomeId: toProposal!.outcomeId,
        kind: Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL,
        targetId: proposalId,
        reason: "成果转化为立法建议",
      })
    ).research!;
    expect(r10.revision).toBe(10);
    expect(r11.revision).toBe(11);
    expect(r11.outcomes.map((o) => [o.link?.kind, o.link?.targetId])).toEqual([
      [Kind.TRANSFORMATION_KIND_BULLETIN, bulletinId],
      [Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL, proposalId],
    ]);
    expect(r11.outcomes[0]!.link!.audit).toEqual(
      expect.objectContaining({ actor: "test-operator", reason: "成果转化为简报", jurisdictionCode: "120000" }),
    );

    // From the artefact back to the project it came from.
    for (const [linkedKind, linkedTargetId] of [
      [Kind.TRANSFORMATION_KIND_BULLETIN, bulletinId],
      [0, bulletinId],
      [0, proposalId],
      [Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL, proposalId],
    ] as const) {
      const found = await research().listJointResearch({
        filter: { status: 0, leadOrganisationId: "", linkedKind, linkedTargetId, text: "" },
        page: undefined,
      });
      expect(found.research.map((x) => x.researchId)).toEqual([id]);
      expect(found.page!.totalSize).toBe(1);
    }
    const wrongKind = await research().listJointResearch({
      filter: { status: 0, leadOrganisationId: "", linkedKind: Kind.TRANSFORMATION_KIND_TRAINING, linkedTargetId: bulletinId, text: "" },
      page: undefined,
    });
    expect(wrongKind.research).toEqual([]);

    // Get answers the same project; the audit trail has one entry per change, with reasons.
    expect((await research().getJointResearch({ researchId: id })).research).toEqual(r11);
    const trail = await city.liaison.audit.listAuditEntries({
      aggregateType: "research",
      aggregateId: id,
      actor: "",
      page: { pageSize: 50, pageToken: "" },
    });
    expect(trail.entries.map((e) => [e.action, e.revision]).reverse()).toEqual([
      ["ProposeJointResearch", 1],
      ["InviteToJointResearch", 2],
      ["RespondToResearchInvitation", 3],
      ["InviteToJointResearch", 4],
      ["RespondToResearchInvitation", 5],
      ["RecordResearchFinding", 6],
      ["ConcludeJointResearch", 7],
      ["RecordResearchOutcome", 8],
      ["RecordResearchOutcome", 9],
      ["LinkResearchOutcome", 10],
      ["LinkResearchOutcome", 11],
    ]);
    expect(trail.entries[0]!.audit).toEqual(expect.objectContaining({ actor: "test-operator", reason: "成果转化为立法建议" }));

    // Research is local to the node: only the two links went out, on its research-links stream.
    const after = await footprint();
    expect(after.outbox - before.outbox).toBe(2);
    const published = await query<{ topic: string; event_type: string; message_key: string }>(
      city.database.url,
      "select topic, event_type, message_key from liaison.outbox where message_key = any($1) order by seq",
      [[toBulletin!.outcomeId, toProposal!.outcomeId]],
    );
    expect(published.map((p) => [p.topic.split(".").slice(-2).join("."), p.event_type, p.message_key])).toEqual([
      ["liaison.research-links", "jinlian.liaison.research-outcome.linked.v1", toBulletin!.outcomeId],
      ["liaison.research-links", "jinlian.liaison.research-outcome.linked.v1", toProposal!.outcomeId],
    ]);
    expect(after.audit_entries - before.audit_entries).toBe(11);
  });

  it("records an outcome already linked to what it became, with the link audited", async () => {
    const r = await concluded("法治宣传培训需求调研");
    const trainingId = await training("民营企业合规培训");
    const { outcome, research: after } = await research().recordResearchOutcome({
      researchId: r.researchId,
      expectedRevision: r.revision,
      summary: "开发民营企业合规培训课程",
      linkKind: Kind.TRANSFORMATION_KIND_TRAINING,
      linkTargetId: trainingId.toUpperCase(),
      reason: "已纳入培训计划",
    });
    expect(outcome!.link).toEqual(expect.objectContaining({ kind: Kind.TRANSFORMATION_KIND_TRAINING, targetId: trainingId }));
    expect(outcome!.link!.audit!.reason).toBe("已纳入培训计划");
    expect(after!.revision).toBe(r.revision + 1);
  });
});

describe("invitations", () => {
  it("refuses the lead, an unknown or malformed organisation, an inviter that is not a participant, and a second invitation", async () => {
    const r = await propose("邀请规则");
    const invite =
      (organisationId: string, invitedByOrganisationId = "") =>
      () =>
        research().inviteToJointResearch({
          researchId: r.researchId,
          expectedRevision: 0,
          organisationId,
          invitedByOrganisationId,
          reason: "",
        });
    await refused(invite(idOf(bureau)), status.INVALID_ARGUMENT, ["organisation_id"]);
    await refused(invite(UNKNOWN_ID), status.INVALID_ARGUMENT, ["organisation_id"]);
    await refused(invite("chamber"), status.INVALID_ARGUMENT, ["organisation_id"]);
    await refused(invite(""), status.INVALID_ARGUMENT, ["organisation_id"]);
    await refused(invite(idOf(chamber), UNKNOWN_ID), status.INVALID_ARGUMENT, ["invited_by_organisation_id"]);
    await refused(invite(idOf(chamber), "x"), status.INVALID_ARGUMENT, ["invited_by_organisation_id"]);

    // The federation is invited but has not accepted: it may not invite yet.
    await invite(idOf(federation))();
    const st = await refused(invite(idOf(chamber), idOf(federation)), status.FAILED_PRECONDITION);
    expect(st.preconditionViolations[0]!.type).toBe("INVITER_NOT_PARTICIPANT");
    await refused(invite(idOf(federation)), status.ALREADY_EXISTS);
  });

  it("refuses an answer that is not ACCEPTED or DECLINED, an unknown invitation, and a second answer", async () => {
    const r = await propose("答复规则");
    const { research: invited } = await research().inviteToJointResearch({
      researchId: r.researchId,
      expectedRevision: 0,
      organisationId: idOf(firm),
      invitedByOrganisationId: "",
      reason: "",
    });
    const invitationId = invited!.invitations[0]!.invitationId;
    const respond =
      (answer: liaisonV1.InvitationStatus, id = invitationId) =>
      () =>
        research().respondToResearchInvitation({ researchId: r.researchId, expectedRevision: 0, invitationId: id, answer, reason: "" });
    await refused(respond(Invitation.INVITATION_STATUS_PENDING), status.INVALID_ARGUMENT, ["answer"]);
    await refused(respond(Invitation.INVITATION_STATUS_UNSPECIFIED), status.INVALID_ARGUMENT, ["answer"]);
    await refused(respond(42 as liaisonV1.InvitationStatus), status.INVALID_ARGUMENT, ["answer"]);
    await refused(respond(Invitation.INVITATION_STATUS_ACCEPTED, UNKNOWN_ID), status.NOT_FOUND);
    await refused(respond(Invitation.INVITATION_STATUS_ACCEPTED, "inv-1"), status.INVALID_ARGUMENT, ["invitation_id"]);

    await respond(Invitation.INVITATION_STATUS_DECLINED)();
    const twice = await refused(respond(Invitation.INVITATION_STATUS_ACCEPTED), status.FAILED_PRECONDITION);
    expect(twice.preconditionViolations[0]!.type).toBe("INVITATION_ALREADY_ANSWERED");
    // A decline does not start the research.
    expect((await research().getJointResearch({ researchId: r.researchId })).research!.status).toBe(Status.RESEARCH_STATUS_PROPOSED);
  });
});

describe("transitions that make no sense change nothing", () => {
  it("refuses a finding on a PROPOSED project, concluding it, and an outcome before conclusion", async () => {
    const r = await propose("状态规则");
    const finding = await refused(
      () => research().recordResearchFinding({ researchId: r.researchId, expectedRevision: 0, text: "过早的发现", reason: "" }),
      status.FAILED_PRECONDITION,
    );
    expect(finding.preconditionViolations[0]).toEqual(
      expect.objectContaining({ type: "RESEARCH_NOT_ONGOING", subject: `research/${r.researchId}` }),
    );
    await refused(
      () => research().concludeJointResearch({ researchId: r.researchId, expectedRevision: 0, reason: "" }),
      status.FAILED_PRECONDITION,
    );
    const outcome = await refused(
      () =>
        research().recordResearchOutcome({
          researchId: r.researchId,
          expectedRevision: 0,
          summary: "过早的成果",
          linkKind: 0,
          linkTargetId: "",
          reason: "",
        }),
      status.FAILED_PRECONDITION,
    );
    expect(outcome.preconditionViolations[0]!.type).toBe("RESEARCH_NOT_CONCLUDED");

    const o = await ongoing("状态规则二");
    await refused(
      () =>
        research().recordResearchOutcome({
          researchId: o.researchId,
          expectedRevision: 0,
          summary: "未结题",
          linkKind: 0,
          linkTargetId: "",
          reason: "",
        }),
      status.FAILED_PRECONDITION,
    );
  });

  it("refuses invitations, findings and a second conclusion once CONCLUDED", async () => {
    const r = await concluded("结题后");
    await refused(
      () =>
        research().inviteToJointResearch({
          researchId: r.researchId,
          expectedRevision: 0,
          organisationId: idOf(chamber),
          invitedByOrganisationId: "",
          reason: "",
        }),
      status.FAILED_PRECONDITION,
    );
    await refused(
      () => research().recordResearchFinding({ researchId: r.researchId, expectedRevision: 0, text: "迟到", reason: "" }),
      status.FAILED_PRECONDITION,
    );
    await refused(
      () => research().concludeJointResearch({ researchId: r.researchId, expectedRevision: 0, reason: "" }),
      status.FAILED_PRECONDITION,
    );
  });

  it("refuses bad input to every mutation, naming the fields", async () => {
    const r = await ongoing("输入规则");
    await refused(
      () =>
        research().proposeJointResearch({ topic: " ", leadOrganisationId: "", description: "述".repeat(4001), reason: "因".repeat(501) }),
      status.INVALID_ARGUMENT,
      ["topic", "description", "lead_organisation_id", "reason"],
    );
    await refused(
      () => research().recordResearchFinding({ researchId: r.researchId, expectedRevision: -1, text: "", reason: "" }),
      status.INVALID_ARGUMENT,
      ["expected_revision", "text"],
    );
    await refused(
      () => research().recordResearchFinding({ researchId: r.researchId, expectedRevision: 0, text: "发".repeat(4001), reason: "" }),
      status.INVALID_ARGUMENT,
      ["text"],
    );
    await refused(() => research().concludeJointResearch({ researchId: "r-1", expectedRevision: 0, reason: "" }), status.INVALID_ARGUMENT, [
      "research_id",
    ]);
    await refused(() => research().concludeJointResearch({ researchId: UNKNOWN_ID, expectedRevision: 0, reason: "" }), status.NOT_FOUND);
  });
});

describe("the lead", () => {
  it("must be a registered organisation (INVALID_ARGUMENT naming the field) and active (FAILED_PRECONDITION)", async () => {
    const unknown = await refused(
      () => research().proposeJointResearch({ topic: "无主调研", leadOrganisationId: UNKNOWN_ID, description: "", reason: "" }),
      status.INVALID_ARGUMENT,
      ["lead_organisation_id"],
    );
    expect(unknown.fieldViolations[0]!.description).toBe("is not a registered organisation");
    await refused(
      () => research().proposeJointResearch({ topic: "无主调研", leadOrganisationId: "bureau", description: "", reason: "" }),
      status.INVALID_ARGUMENT,
      ["lead_organisation_id"],
    );

    const gone = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_ENTERPRISE,
      name: "已注销企业",
      jurisdictionCode: "120000",
    });
    await city.liaison.registry.deactivateOrganisation({ organisationId: idOf(gone), expectedRevision: 0, reason: "注销" });
    const st = await refused(
      () => research().proposeJointResearch({ topic: "注销单位牵头", leadOrganisationId: idOf(gone), description: "", reason: "" }),
      status.FAILED_PRECONDITION,
    );
    expect(st.preconditionViolations[0]!.type).toBe("ORGANISATION_DEACTIVATED");
    const r = await propose("邀请注销单位");
    await refused(
      () =>
        research().inviteToJointResearch({
          researchId: r.researchId,
          expectedRevision: 0,
          organisationId: idOf(gone),
          invitedByOrganisationId: "",
          reason: "",
        }),
      status.FAILED_PRECONDITION,
    );
  });
});

describe("outcome transformation (成果转化)", () => {
  async function withOutcomes(topic: string, n = 2) {
    let r = await concluded(topic);
    for (let i = 0; i < n; i++)
      r = (
        await research().recordResearchOutcome({
          researchId: r.researchId,
          expectedRevision: 0,
          summary: `成果 ${i + 1}`,
          linkKind: 0,
          linkTargetId: "",
          reason: "",
        })
      ).research!;
    return r;
  }
  const link =
    (r: liaisonV1.JointResearch, outcomeId: string, kind: liaisonV1.TransformationKind, targetId: string, expectedRevision = 0) =>
    () =>
      research().linkResearchOutcome({ researchId: r.researchId, expectedRevision, outcomeId, kind, targetId, reason: "转化" });

  it("links again to the same artefact without any change, refuses a re-link elsewhere and a second source for an artefact", async () => {
    const r = await withOutcomes("成果转化规则");
    const [first, second] = r.outcomes.map((o) => o.outcomeId) as [string, string];
    const bulletinId = "7b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";
    const linked = (await link(r, first, Kind.TRANSFORMATION_KIND_BULLETIN, bulletinId)()).research!;

    // Same target again: idempotent, even with the bulletin id in upper case; no audit entry, same revision.
    const before = await footprint();
    const again = (await link(r, first, Kind.TRANSFORMATION_KIND_BULLETIN, bulletinId.toUpperCase(), linked.revision)()).research!;
    expect(again).toEqual(linked);
    expect(await footprint()).toEqual(before);

    const elsewhere = await refused(
      link(r, first, Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL, await legislationDraft("另一草案")),
      status.FAILED_PRECONDITION,
    );
    expect(elsewhere.preconditionViolations[0]!.type).toBe("OUTCOME_ALREADY_LINKED");
    await refused(link(r, first, Kind.TRANSFORMATION_KIND_BULLETIN, "0f0e0d0c-0b0a-4909-8807-060504030201"), status.FAILED_PRECONDITION);
    await refused(link(r, second, Kind.TRANSFORMATION_KIND_BULLETIN, bulletinId), status.ALREADY_EXISTS);

    // Another project's outcome cannot become the same bulletin either, at record time or later.
    const other = await withOutcomes("另一项目", 1);
    await refused(link(other, other.outcomes[0]!.outcomeId, Kind.TRANSFORMATION_KIND_BULLETIN, bulletinId), status.ALREADY_EXISTS);
    await refused(
      () =>
        research().recordResearchOutcome({
          researchId: other.researchId,
          expectedRevision: 0,
          summary: "重复来源",
          linkKind: Kind.TRANSFORMATION_KIND_BULLETIN,
          linkTargetId: bulletinId,
          reason: "",
        }),
      status.ALREADY_EXISTS,
    );
    // Another kind of artefact for the second outcome.
    await link(r, second, Kind.TRANSFORMATION_KIND_TRAINING, await training("成果转化培训"))();
  });

  it("refuses bad ids and kinds: an outcome of another project, malformed ids, artefacts this node does not know, a half link", async () => {
    const r = await withOutcomes("ID规则", 1);
    const other = await withOutcomes("别的项目", 1);
    const outcomeId = r.outcomes[0]!.outcomeId;
    await refused(link(r, other.outcomes[0]!.outcomeId, Kind.TRANSFORMATION_KIND_TRAINING, UNKNOWN_ID), status.NOT_FOUND);
    await refused(link(r, UNKNOWN_ID, Kind.TRANSFORMATION_KIND_TRAINING, UNKNOWN_ID), status.NOT_FOUND);
    await refused(link(r, "o-1", Kind.TRANSFORMATION_KIND_TRAINING, "T-1"), status.INVALID_ARGUMENT, ["outcome_id", "target_id"]);
    // Well-formed ids that the node's legislation or legal-services service never announced.
    await refused(link(r, outcomeId, Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL, UNKNOWN_ID), status.INVALID_ARGUMENT, ["target_id"]);
    await refused(link(r, outcomeId, Kind.TRANSFORMATION_KIND_TRAINING, UNKNOWN_ID), status.INVALID_ARGUMENT, ["target_id"]);
    // A draft id is not a training id.
    await refused(link(r, outcomeId, Kind.TRANSFORMATION_KIND_TRAINING, await legislationDraft("不是培训")), status.INVALID_ARGUMENT, [
      "target_id",
    ]);
    await refused(link(r, outcomeId, Kind.TRANSFORMATION_KIND_BULLETIN, "bulletin-17"), status.INVALID_ARGUMENT, ["target_id"]);
    await refused(link(r, outcomeId, Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL, "x".repeat(129)), status.INVALID_ARGUMENT, [
      "target_id",
    ]);
    await refused(link(r, outcomeId, Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL, "立法 建议"), status.INVALID_ARGUMENT, ["target_id"]);
    await refused(link(r, outcomeId, Kind.TRANSFORMATION_KIND_UNSPECIFIED, ""), status.INVALID_ARGUMENT, ["kind", "target_id"]);
    await refused(link(r, outcomeId, 9 as liaisonV1.TransformationKind, "T-1"), status.INVALID_ARGUMENT, ["kind"]);
    const half = (linkKind: liaisonV1.TransformationKind, linkTargetId: string) => () =>
      research().recordResearchOutcome({
        researchId: r.researchId,
        expectedRevision: 0,
        summary: "半个链接",
        linkKind,
        linkTargetId,
        reason: "",
      });
    await refused(half(Kind.TRANSFORMATION_KIND_BULLETIN, ""), status.INVALID_ARGUMENT, ["link_target_id"]);
    await refused(half(0, "LP-1"), status.INVALID_ARGUMENT, ["link_kind"]);
    await refused(
      () =>
        research().recordResearchOutcome({
          researchId: r.researchId,
          expectedRevision: 0,
          summary: "",
          linkKind: 0,
          linkTargetId: "",
          reason: "",
        }),
      status.INVALID_ARGUMENT,
      ["summary"],
    );
  });
});

describe("get", () => {
  it("answers NOT_FOUND for an unknown project and INVALID_ARGUMENT for a malformed id", async () => {
    expect((await statusOf(research().getJointResearch({ researchId: UNKNOWN_ID }))).code).toBe(status.NOT_FOUND);
    const bad = await statusOf(research().getJointResearch({ researchId: "research-1" }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations).toEqual([{ field: "research_id", description: "must be a UUID" }]);
  });
});

describe("optimistic concurrency", () => {
  it("answers ABORTED for a stale expected_revision and changes nothing", async () => {
    const r = await ongoing("并发规则");
    expect(r.revision).toBe(3);
    await refused(
      () => research().recordResearchFinding({ researchId: r.researchId, expectedRevision: 2, text: "旧版本", reason: "" }),
      status.ABORTED,
    );
    await refused(() => research().concludeJointResearch({ researchId: r.researchId, expectedRevision: 4, reason: "" }), status.ABORTED);
    const ok = (await research().recordResearchFinding({ researchId: r.researchId, expectedRevision: 3, text: "当前版本", reason: "" }))
      .research!;
    expect(ok.revision).toBe(4);
  });

  it("lets exactly one of two concurrent conclusions with the same revision win", async () => {
    const r = await ongoing("并发结题");
    const results = await Promise.allSettled(
      [1, 2].map(() => research().concludeJointResearch({ researchId: r.researchId, expectedRevision: r.revision, reason: "" })),
    );
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((x) => x.status === "rejected") as PromiseRejectedResult;
    expect(status[(loser.reason as { code: status }).code]).toBe("ABORTED");
  });
});

describe("re-submission with the same request id", () => {
  it("answers with the first result and changes nothing more", async () => {
    const request = { topic: "重复提交", leadOrganisationId: idOf(bureau), description: "", reason: "" };
    const first = (await research().proposeJointResearch(request, { requestId: "research-propose-1" })).research!;
    const before = await footprint();
    const repeat = (await research().proposeJointResearch(request, { requestId: "research-propose-1" })).research!;
    expect(repeat.researchId).toBe(first.researchId);
    expect(await footprint()).toEqual(before);

    const r = await concluded("重复提交成果");
    const outcome = {
      researchId: r.researchId,
      expectedRevision: r.revision,
      summary: "唯一成果",
      linkKind: 0,
      linkTargetId: "",
      reason: "",
    };
    const a = await research().recordResearchOutcome(outcome, { requestId: "research-outcome-1" });
    const afterFirst = await footprint();
    const b = await research().recordResearchOutcome(outcome, { requestId: "research-outcome-1" });
    expect(b.outcome).toEqual(a.outcome);
    expect(b.research!.outcomes).toHaveLength(1);
    expect(await footprint()).toEqual(afterFirst);
  });
});

describe("list", () => {
  it("filters by status, lead and topic text, newest first, and pages without overlap", async () => {
    const lead = await registerParty(city.liaison, {
      type: OrgType.ORGANISATION_TYPE_JUSTICE_BUREAU,
      name: "分页测试司法局",
      jurisdictionCode: "120000",
    });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await propose(`营商环境法治保障 第${i}期`, lead)).researchId);
    const filter = { status: 0, leadOrganisationId: idOf(lead), linkedKind: 0, linkedTargetId: "", text: "营商环境" };
    const seen: string[] = [];
    const order: [number, string][] = [];
    let token = "";
    do {
      const page = await research().listJointResearch({ filter, page: { pageSize: 2, pageToken: token } });
      expect(page.page!.totalSize).toBe(5);
      expect(page.research.length).toBeLessThanOrEqual(2);
      seen.push(...page.research.map((x) => x.researchId));
      order.push(...page.research.map((x) => [x.createTime!.getTime(), x.researchId] as [number, string]));
      token = page.page!.nextPageToken;
    } while (token);
    // Newest first (ties within a millisecond by id, descending), every project exactly once.
    expect([...seen].sort()).toEqual([...made].sort());
    expect(order).toEqual([...order].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1)));

    const byStatus = await research().listJointResearch({ filter: { ...filter, status: Status.RESEARCH_STATUS_ONGOING }, page: undefined });
    expect(byStatus.page!.totalSize).toBe(0);
    const byText = await research().listJointResearch({ filter: { ...filter, text: "第3期" }, page: undefined });
    expect(byText.research.map((x) => x.researchId)).toEqual([made[3]]);
    const wildcard = await research().listJointResearch({ filter: { ...filter, text: "100%_" }, page: undefined });
    expect(wildcard.page!.totalSize).toBe(0);

    const first = await research().listJointResearch({ filter, page: { pageSize: 2, pageToken: "" } });
    await refused(
      () =>
        research().listJointResearch({ filter: { ...filter, text: "别的" }, page: { pageSize: 2, pageToken: first.page!.nextPageToken } }),
      status.INVALID_ARGUMENT,
      ["page.page_token"],
    );
    await refused(
      () =>
        research().listJointResearch({
          filter: {
            status: 7 as liaisonV1.ResearchStatus,
            leadOrganisationId: "",
            linkedKind: 8 as liaisonV1.TransformationKind,
            linkedTargetId: "",
            text: "",
          },
          page: undefined,
        }),
      status.INVALID_ARGUMENT,
      ["filter.status", "filter.linked_kind"],
    );
    await refused(
      () =>
        research().listJointResearch({
          filter: { status: 0, leadOrganisationId: "lead", linkedKind: 0, linkedTargetId: "", text: "" },
          page: { pageSize: 1000, pageToken: "" },
        }),
      status.INVALID_ARGUMENT,
      ["filter.lead_organisation_id", "page.page_size"],
    );
  });
});

describe("naming organisations by credit code", () => {
  it("proposes and invites by credit code, and answers name every party as the registry does", async () => {
    const r = (
      await research().proposeJointResearch({
        topic: "商会调解衔接调研",
        leadOrganisationId: "",
        leadCreditCode: bureau.organisation.creditCode,
      })
    ).research!;
    expect(r.leadOrganisationId).toBe(idOf(bureau));
    expect(r.lead).toEqual({ creditCode: bureau.organisation.creditCode, jurisdictionCode: "120000", name: bureau.organisation.name });
    const invited = (
      await research().inviteToJointResearch({
        researchId: r.researchId,
        creditCode: federation.organisation.creditCode.toLowerCase(),
        invitedByCreditCode: bureau.organisation.creditCode,
      })
    ).research!;
    expect(invited.invitations[0]).toMatchObject({
      organisationId: idOf(federation),
      invitedByOrganisationId: idOf(bureau),
      organisation: { creditCode: federation.organisation.creditCode, name: federation.organisation.name },
      invitedBy: { creditCode: bureau.organisation.creditCode },
    });
  });

  it("refuses an unknown credit code and one that names another organisation than the id beside it, changing nothing", async () => {
    await refused(
      () =>
        research().proposeJointResearch({ topic: "x", leadOrganisationId: idOf(chamber), leadCreditCode: bureau.organisation.creditCode }),
      status.INVALID_ARGUMENT,
      ["lead_credit_code"],
    );
    const r = await propose();
    await refused(
      () => research().inviteToJointResearch({ researchId: r.researchId, creditCode: "91120000MA05XXXXX0" }),
      status.INVALID_ARGUMENT,
      ["credit_code"],
    );
    await refused(() => research().proposeJointResearch({ topic: "x" }), status.INVALID_ARGUMENT, ["lead_organisation_id"]);
  });
});

describe("corrections of findings and outcomes", () => {
  const trail = async (researchId: string) =>
    (await city.liaison.audit.listAuditEntries({ aggregateType: "research", aggregateId: researchId, actor: "", page: undefined })).entries
      .map((e) => [e.action, e.audit!.reason])
      .reverse();

  it("corrects a finding twice and withdraws it, keeping every earlier version with who made it, audited with the reasons", async () => {
    const r = await ongoing("合规岗位设置情况调研");
    const recorded = (await research().recordResearchFinding({ researchId: r.researchId, text: "三成企业未设合规岗", reason: "座谈" }))
      .research!;
    const findingId = recorded.findings[0]!.findingId;
    const once = (
      await research().correctResearchFinding({
        researchId: r.researchId,
        expectedRevision: recorded.revision,
        findingId,
        text: "四成企业未设合规岗",
        reason: "统计口径更正",
      })
    ).research!;
    expect(once.revision).toBe(recorded.revision + 1);
    expect(once.findings[0]).toMatchObject({
      text: "四成企业未设合规岗",
      version: 2,
      withdrawn: false,
      revisionAudit: { reason: "统计口径更正" },
    });
    const twice = (
      await research().correctResearchFinding({ researchId: r.researchId, findingId, text: "近四成企业未设合规岗", reason: "再核" })
    ).research!;
    expect(twice.findings[0]!.history.map((h) => [h.version, h.text, h.audit!.reason])).toEqual([
      [1, "三成企业未设合规岗", "座谈"],
      [2, "四成企业未设合规岗", "统计口径更正"],
    ]);
    const withdrawn = (await research().withdrawResearchFinding({ researchId: r.researchId, findingId, reason: "样本不足" })).research!;
    expect(withdrawn.findings[0]).toMatchObject({ text: "近四成企业未设合规岗", version: 4, withdrawn: true });
    expect((await trail(r.researchId)).slice(-4)).toEqual([
      ["RecordResearchFinding", "座谈"],
      ["CorrectResearchFinding", "统计口径更正"],
      ["CorrectResearchFinding", "再核"],
      ["WithdrawResearchFinding", "样本不足"],
    ]);
    // Withdrawal is final; the history survives a reload.
    await refused(
      () => research().correctResearchFinding({ researchId: r.researchId, findingId, text: "x", reason: "x" }),
      status.FAILED_PRECONDITION,
    );
    const got = (await research().getJointResearch({ researchId: r.researchId })).research!;
    expect(got.findings[0]!.history).toHaveLength(3);
  });

  it("corrects an outcome keeping its link; withdrawing it frees the artefact for another outcome and drops the project from the link filter", async () => {
    const r = await concluded("合规指引调研");
    const target = await training("合规指引培训");
    const { research: withOutcome, outcome } = await research().recordResearchOutcome({
      researchId: r.researchId,
      summary: "建议开展合规培训",
      linkKind: Kind.TRANSFORMATION_KIND_TRAINING,
      linkTargetId: target,
      reason: "成果",
    });
    const corrected = (
      await research().correctResearchOutcome({
        researchId: r.researchId,
        expectedRevision: withOutcome!.revision,
        outcomeId: outcome!.outcomeId,
        summary: "建议开展民营企业合规培训",
        reason: "表述",
      })
    ).research!;
    expect(corrected.outcomes[0]).toMatchObject({ summary: "建议开展民营企业合规培训", version: 2, link: { targetId: target } });
    const byLink = () =>
      research()
        .listJointResearch({ filter: { linkedTargetId: target } })
        .then((x) => x.research.map((p) => p.researchId));
    expect(await byLink()).toEqual([r.researchId]);
    await research().withdrawResearchOutcome({ researchId: r.researchId, outcomeId: outcome!.outcomeId, reason: "培训未开展" });
    expect(await byLink()).toEqual([]);
    // The artefact may now come from another outcome.
    const other = await concluded("另一调研");
    await research().recordResearchOutcome({
      researchId: other.researchId,
      summary: "合规培训",
      linkKind: Kind.TRANSFORMATION_KIND_TRAINING,
      linkTargetId: target,
      reason: "",
    });
    expect(await byLink()).toEqual([other.researchId]);
  });

  it("refuses a missing reason, bad text, unknown ids and a stale revision, changing nothing", async () => {
    const r = await ongoing("拒绝用例");
    const recorded = (await research().recordResearchFinding({ researchId: r.researchId, text: "发现", reason: "" })).research!;
    const findingId = recorded.findings[0]!.findingId;
    await refused(
      () => research().correctResearchFinding({ researchId: r.researchId, findingId, text: " ", reason: "" }),
      status.INVALID_ARGUMENT,
      ["text", "reason"],
    );
    await refused(
      () => research().withdrawResearchFinding({ researchId: r.researchId, findingId: "nope", reason: "x" }),
      status.INVALID_ARGUMENT,
      ["finding_id"],
    );
    await refused(
      () => research().withdrawResearchFinding({ researchId: r.researchId, findingId: UNKNOWN_ID, reason: "x" }),
      status.NOT_FOUND,
    );
    await refused(
      () => research().withdrawResearchOutcome({ researchId: r.researchId, outcomeId: UNKNOWN_ID, reason: "x" }),
      status.NOT_FOUND,
    );
    await refused(
      () =>
        research().correctResearchFinding({
          researchId: r.researchId,
          expectedRevision: recorded.revision - 1,
          findingId,
          text: "x",
          reason: "x",
        }),
      status.ABORTED,
    );
  });
});

describe("list by participant", () => {
  it("finds the projects an organisation leads or accepted an invitation to, by id or credit code; a pending or declined invitation is no part", async () => {
    const led = await propose("商会牵头调研", chamber);
    const joined = await propose("商会参与调研");
    const pending = await propose("商会未答复调研");
    for (const p of [joined, pending]) await research().inviteToJointResearch({ researchId: p.researchId, organisationId: idOf(chamber) });
    const j = (await research().getJointResearch({ researchId: joined.researchId })).research!;
    await research().respondToResearchInvitation({
      researchId: j.researchId,
      invitationId: j.invitations[0]!.invitationId,
      answer: Invitation.INVITATION_STATUS_ACCEPTED,
    });
    const ids = (filter: Record<string, string>) =>
      research()
        .listJointResearch({ filter })
        .then((x) => x.research.map((p) => p.researchId).sort());
    const expected = [led.researchId, joined.researchId].sort();
    expect(await ids({ participantOrganisationId: idOf(chamber) })).toEqual(expected);
    expect(await ids({ participantCreditCode: chamber.organisation.creditCode })).toEqual(expected);
    expect(await ids({ participantCreditCode: chamber.organisation.creditCode, leadCreditCode: chamber.organisation.creditCode })).toEqual([
      led.researchId,
    ]);
    expect(await ids({ participantOrganisationId: idOf(chamber) })).not.toContain(pending.researchId);
    const bad = await statusOf(
      research().listJointResearch({ filter: { participantOrganisationId: "nope", participantCreditCode: "91120000MA05XXXXX0" } }),
    );
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["filter.participant_organisation_id", "filter.participant_credit_code"]);
  });
});
