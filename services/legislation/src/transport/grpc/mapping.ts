/** Domain <-> contract mapping of the legislation service. */
import type { legislationV1 } from "@jinlian/proto";
import type { Article, ArticleRef } from "../../domain/articles";
import {
  adoptionOutcomeCodec,
  districtReplyStatusCodec,
  draftKindCodec,
  draftStatusCodec,
  planStatusCodec,
  positionFormationCodec,
  roundOriginCodec,
  roundStatusCodec,
  studyKindCodec,
  studyModeCodec,
  studyStatusCodec,
  suggestionOutcomeCodec,
} from "../../domain/codecs";
import type { Draft } from "../../domain/draft";
import type { Plan, PlanItem } from "../../domain/plan";
import { districtStatus, eventWindow, isOpen, uniqueOrgs, type Answer, type Round, type RoundWindow } from "../../domain/round";
import { isLate, type Study } from "../../domain/study";

export function articlesIn(articles: readonly legislationV1.Article[]): Article[] {
  return articles.map((a) => ({ number: a.number, paragraphs: a.paragraphs.map((p) => ({ text: p.text, items: [...p.items] })) }));
}
export function citationsIn(refs: readonly legislationV1.ArticleRef[]): ArticleRef[] {
  return refs.map((c) => ({ article: c.article, paragraph: c.paragraph, item: c.item }));
}
const articlesOut = (articles: readonly Article[]): legislationV1.Article[] =>
  articles.map((a) => ({ number: a.number, paragraphs: a.paragraphs.map((p) => ({ text: p.text, items: [...p.items] })) }));

export function draftOut(d: Draft): legislationV1.Draft {
  return {
    draftId: d.draftId,
    kind: draftKindCodec.toProto(d.kind),
    title: d.title,
    draftingUnit: d.draftingUnit,
    concernsPrivateEconomy: d.concernsPrivateEconomy,
    closelyConcernsMarketEntities: d.closelyConcernsMarketEntities,
    planItemId: d.planItemId,
    status: draftStatusCodec.toProto(d.status),
    versions: d.versions.map((v) => ({ version: v.version, articles: articlesOut(v.articles), changelog: v.changelog, audit: v.stamp })),
    consultationOpened: d.consultationOpened,
    revision: d.revision,
    createTime: d.createdAt,
    origins: d.origins.map((o) => ({
      researchId: o.researchId,
      outcomeId: o.outcomeId,
      summary: o.summary,
      linkTime: o.linkedAt,
      targetId: o.targetId ?? d.draftId,
      researchTopic: o.topic ?? "",
    })),
    jurisdictionCode: d.jurisdictionCode,
  };
}

export function planItemOut(i: PlanItem): legislationV1.PlanItem {
  return {
    planItemId: i.planItemId,
    title: i.title,
    kind: draftKindCodec.toProto(i.kind),
    draftingUnit: i.draftingUnit,
    concernsPrivateEconomy: i.concernsPrivateEconomy,
    suggestionId: i.suggestionId,
    audit: i.stamp,
  };
}

export function planOut(p: Plan): legislationV1.Plan {
  return {
    planId: p.planId,
    year: p.year,
    status: planStatusCodec.toProto(p.status),
    items: p.items.map(planItemOut),
    suggestions: p.suggestions.map((s) => ({
      suggestionId: s.suggestionId,
      suggestedBy: s.suggestedBy,
      title: s.title,
      kind: draftKindCodec.toProto(s.kind),
      rationale: s.rationale,
      outcome: suggestionOutcomeCodec.toProto(s.outcome),
      explanation: s.explanation,
      planItemId: s.planItemId,
      submitTime: s.submittedAt,
      answerTime: s.answeredAt,
    })),
    revision: p.revision,
    createTime: p.createdAt,
  };
}

const windowOut = (w: RoundWindow): legislationV1.Window => eventWindow(w);
const answerOut = (a: Answer | undefined): legislationV1.Answer | undefined =>
  a && { outcome: adoptionOutcomeCodec.toProto(a.outcome), explanation: a.explanation, audit: a.stamp, publishedBatch: a.publishedBatch };

export function roundOut(r: Round, now: Date): legislationV1.Round {
  const positions = new Map(r.positions.map((p) => [p.positionId, p]));
  const byId = new Map(r.opinions.map((o) => [o.opinionId, o]));
  return {
    roundId: r.roundId,
    draftId: r.draftId,
    draftVersion: r.draftVersion,
    draftTitle: r.draftTitle,
    kind: draftKindCodec.toProto(r.kind),
    articles: articlesOut(r.articles),
    origin: roundOriginCodec.toProto(r.origin),
    openingJurisdictionCode: r.openingJurisdiction,
    status: roundStatusCodec.toProto(isOpen(r, now) ? "OPEN" : "CLOSED"),
    window: windowOut(r.window),
    windowChanges: r.windowChanges.map((c) => ({ reopening: c.reopening, window: windowOut(c.window), audit: c.stamp })),
    addressedOrganisations: [...r.addressedOrganisations],
    districts: r.districts.map((d) => ({
      jurisdictionCode: d.jurisdictionCode,
      status: districtReplyStatusCodec.toProto(districtStatus(d, r, now)),
      opinionCount: d.opinionCount,
      replyTime: d.repliedAt,
    })),
    opinions: r.opinions.map((o) => ({
      opinionId: o.opinionId,
      organisation: o.organisation,
      viaJurisdictionCode: o.via,
      citations: [...o.citations],
      text: o.text,
      submitTime: o.submittedAt,
      positionId: o.positionId,
      // At the opening node the answer is its position's; at a district node, the city's published one.
      answer: answerOut(o.positionId ? positions.get(o.positionId)?.answer : o.answer),
    })),
    positions: r.positions.map((p) => ({
      positionId: p.positionId,
      opinionIds: [...p.opinionIds],
      formation: positionFormationCodec.toProto(p.formation),
      supporters: uniqueOrgs(p.opinionIds.flatMap((id) => byId.get(id)?.organisation ?? [])),
      answer: answerOut(p.answer),
    })),
    feedbackBatches: r.feedbackBatches,
    replyTime: r.reply?.at,
    repliedNoOpinion: r.reply?.noOpinion ?? false,
    revision: r.revision,
    audit: r.opened,
  };
}

export function positionOut(r: Round, positionId: string, now: Date): legislationV1.Position | undefined {
  return roundOut(r, now).positions.find((p) => p.positionId === positionId);
}

export function studyOut(s: Study, now: Date): legislationV1.Study {
  const c = s.commission;
  return {
    studyId: s.studyId,
    draftId: s.draftId,
    draftVersion: s.draftVersion,
    kind: studyKindCodec.toProto(s.kind),
    mode: studyModeCodec.toProto(s.mode),
    title: s.title,
    schedule: { startTime: s.schedule.startTime, endTime: s.schedule.endTime, location: s.schedule.location },
    participants: s.participants.map((o) => ({ ...o })),
    commission: c && {
      commissioned: { ...c.commissioned },
      dueTime: c.dueTime,
      deliverable: c.deliverable,
      deliverTime: c.deliveredAt,
      late: isLate(s, now),
    },
    status: studyStatusCodec.toProto(s.status),
    summary: s.summary,
    findings: s.findings.map((f) => ({
      findingId: f.findingId,
      text: f.text,
      citations: f.citations.map((x) => ({ ...x })),
      submittedBy: f.submittedBy && { ...f.submittedBy },
      audit: f.stamp,
      answer: answerOut(f.answer),
    })),
    feedbackBatches: s.feedbackBatches,
    revision: s.revision,
    createTime: s.createdAt,
    jurisdictionCode: s.jurisdictionCode,
  };
}
