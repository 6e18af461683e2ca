/**
 * From research to law (art. 4) at the municipal node, on real Kafka and PostgreSQL: liaison links a
 * joint-research outcome to a legislation draft or plan item only by an id legislation announced on
 * its register stream, and the draft shows where it came from through liaison's research-links
 * stream — linked to the draft itself or to the plan item it implements, the summary corrected, the
 * link gone once the outcome is withdrawn. Each change is audited on the draft or plan.
 */
import { status } from "@grpc/grpc-js";
import { liaisonV1, type legislationV1 } from "@jinlian/proto";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import { query } from "../support/db";
import { registerMechanismParties, type Party } from "../support/liaison-fixtures";
import { registerDraftRequest } from "../support/legislation-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

const Kind = liaisonV1.TransformationKind;
jest.setTimeout(120_000);

let city: TestNode;
let bureau: Party;
let federation: Party;
const wait = { timeoutMs: 30_000, intervalMs: 100 };

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("origins") });
  ({ bureau, federation } = await registerMechanismParties(city.liaison, "120000"));
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

/** A concluded joint research project of the bureau and the federation, with one unlinked outcome. */
async function concludedWithOutcome(topic: string, summary: string): Promise<{ researchId: string; outcomeId: string }> {
  const r = city.liaison.research;
  const { research: proposed } = await r.proposeJointResearch({
    topic,
    leadOrganisationId: bureau.organisation.organisationId,
    description: "",
    reason: "",
    leadCreditCode: "",
  });
  const id = proposed!.researchId;
  const { research: invited } = await r.inviteToJointResearch({
    researchId: id,
    expectedRevision: 0,
    organisationId: federation.organisation.organisationId,
    invitedByOrganisationId: "",
    reason: "",
    creditCode: "",
    invitedByCreditCode: "",
  });
  await r.respondToResearchInvitation({
    researchId: id,
    expectedRevision: 0,
    invitationId: invited!.invitations[0]!.invitationId,
    answer: liaisonV1.InvitationStatus.INVITATION_STATUS_ACCEPTED,
    reason: "",
  });
  await r.concludeJointResearch({ researchId: id, expectedRevision: 0, reason: "" });
  const { outcome } = await r.recordResearchOutcome({
    researchId: id,
    expectedRevision: 0,
    summary,
    linkKind: 0,
    linkTargetId: "",
    reason: "",
  });
  return { researchId: id, outcomeId: outcome!.outcomeId };
}

/** Waits until liaison learnt the id from legislation's register stream. */
async function knownToLiaison(kind: string, id: string): Promise<void> {
  await waitFor(
    async () =>
      (await query(city.database.url, "select 1 from liaison.linkable_artefacts where kind = $1 and artefact_id = $2", [kind, id])).length >
      0,
    { ...wait, what: `${kind} ${id} known to liaison` },
  );
}

async function originsOf(draftId: string, count: number): Promise<legislationV1.DraftOrigin[]> {
  return waitFor(
    async () => {
      const { draft } = await city.legislation.drafts.getDraft({ draftId });
      return draft!.origins.length === count ? draft!.origins : undefined;
    },
    { ...wait, what: `${count} origins on draft ${draftId}` },
  );
}

it("links an outcome to a draft only once legislation announced it; the draft shows it, corrected, and loses it when withdrawn", async () => {
  const { draft } = await city.legislation.drafts.registerDraft(registerDraftRequest({ title: "天津市民营经济促进条例（草案）" }));
  const draftId = draft!.draftId;
  const { researchId, outcomeId } = await concludedWithOutcome("民营经济促进立法调研", "建议制定民营经济促进条例");
  const link = () =>
    city.liaison.research.linkResearchOutcome({
      researchId,
      expectedRevision: 0,
      outcomeId,
      kind: Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL,
      targetId: draftId,
      reason: "成果转化为立法建议",
    });
  // An id legislation never announced is refused, whatever its form.
  const unknown = await statusOf(
    city.liaison.research.linkResearchOutcome({
      researchId,
      expectedRevision: 0,
      outcomeId,
      kind: Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL,
      targetId: "0f0e0d0c-0b0a-4909-8807-060504030201",
      reason: "",
    }),
  );
  expect(unknown.code).toBe(status.INVALID_ARGUMENT);
  expect(unknown.fieldViolations.map((v) => v.field)).toEqual(["target_id"]);

  await knownToLiaison("LEGISLATION_DRAFT", draftId);
  await link();
  const [origin] = await originsOf(draftId, 1);
  expect(origin).toEqual(
    expect.objectContaining({
      researchId,
      outcomeId,
      summary: "建议制定民营经济促进条例",
      researchTopic: "民营经济促进立法调研",
      targetId: draftId,
      linkTime: expect.any(Date),
    }),
  );

  // A change of the draft answers with it as it saved it, origins included: what a read then shows.
  const { draft: flagged } = await city.legislation.drafts.setDraftFlags({
    draftId,
    expectedRevision: 0,
    concernsPrivateEconomy: true,
    closelyConcernsMarketEntities: true,
    reason: "涉及市场主体",
  });
  expect(flagged!.origins.map((o) => o.outcomeId)).toEqual([outcomeId]);
  expect(flagged).toEqual((await city.legislation.drafts.getDraft({ draftId })).draft);

  // A corrected summary follows.
  await city.liaison.research.correctResearchOutcome({
    researchId,
    expectedRevision: 0,
    outcomeId,
    summary: "建议制定促进条例并配套规章",
    reason: "表述",
  });
  await waitFor(
    async () => (await city.legislation.drafts.getDraft({ draftId })).draft!.origins[0]?.summary === "建议制定促进条例并配套规章",
    { ...wait, what: "the corrected summary on the draft" },
  );

  // Withdrawn: the draft no longer comes from it.
  await city.liaison.research.withdrawResearchOutcome({ researchId, expectedRevision: 0, outcomeId, reason: "调研结论有误" });
  await originsOf(draftId, 0);

  const { entries } = await city.legislation.audit.listAuditEntries({
    filter: { aggregateType: "draft", aggregateId: draftId, actor: "", occurPeriod: undefined },
    page: undefined,
  });
  expect(entries.map((e) => [e.action, e.audit?.reason])).toEqual([
    ["ResearchOutcomeLinkWithdrawn", "调研结论有误"],
    ["ResearchOutcomeLinked", "表述"],
    ["SetDraftFlags", "涉及市场主体"],
    ["ResearchOutcomeLinked", "成果转化为立法建议"],
    ["RegisterDraft", "起草"],
  ]);
});

it("links an outcome to a plan item: every draft implementing the item shows it, including drafts registered later", async () => {
  const { plan } = await city.legislation.plan.createPlan({ year: 2031, reason: "" });
  const { item } = await city.legislation.plan.addPlanItem({
    planId: plan!.planId,
    expectedRevision: 0,
    title: "天津市优化营商环境条例（修订）",
    kind: 1,
    draftingUnit: "天津市发展和改革委员会",
    concernsPrivateEconomy: true,
    reason: "",
  });
  const planItemId = item!.planItemId;
  const { draft: early } = await city.legislation.drafts.registerDraft(registerDraftRequest({ planItemId, kind: 1 }));
  const { researchId, outcomeId } = await concludedWithOutcome("营商环境立法调研", "建议修订优化营商环境条例");
  await knownToLiaison("LEGISLATION_PLAN_ITEM", planItemId);
  await city.liaison.research.linkResearchOutcome({
    researchId,
    expectedRevision: 0,
    outcomeId,
    kind: Kind.TRANSFORMATION_KIND_LEGISLATION_PROPOSAL,
    targetId: planItemId.toUpperCase(),
    reason: "纳入立法计划",
  });
  const [viaItem] = await originsOf(early!.draftId, 1);
  expect(viaItem).toEqual(expect.objectContaining({ outcomeId, targetId: planItemId }));
  const { draft: later } = await city.legislation.drafts.registerDraft(registerDraftRequest({ planItemId, kind: 1, title: "第二稿" }));
  expect(later!.origins.map((o) => o.outcomeId)).toEqual([outcomeId]);
  expect(later).toEqual((await city.legislation.drafts.getDraft({ draftId: later!.draftId })).draft);
  // Listed drafts carry their origins too.
  const { drafts } = await city.legislation.drafts.listDrafts({
    filter: { kind: 0, status: 0, concernsPrivateEconomyOnly: false, planItemId, text: "", createPeriod: undefined },
    page: undefined,
  });
  expect(drafts.map((d) => d.origins.map((o) => o.outcomeId))).toEqual([[outcomeId], [outcomeId]]);
  // The link is audited on the plan.
  const { entries } = await city.legislation.audit.listAuditEntries({
    filter: { aggregateType: "plan", aggregateId: plan!.planId, actor: "", occurPeriod: undefined },
    page: undefined,
  });
  expect(entries[0]).toEqual(expect.objectContaining({ action: "ResearchOutcomeLinked" }));
});
