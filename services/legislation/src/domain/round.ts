/**
 * Opinion solicitation rounds (征求意见). Pure.
 *
 * A round consults one draft version. At the city it is addressed to organisations of the city's
 * registry (who submit directly) and to district nodes (which receive it, collect their own
 * federations' and chambers' opinions and send one consolidated reply, or 无意见). A new draft version
 * during an open round does not move the round: its opinions keep citing the version consulted.
 */
import { CITY_JURISDICTION } from "@jinlian/kernel";
import {
  emit,
  FailedPreconditionError,
  InvalidArgumentError,
  legislationEvents,
  toLocal,
  toNode,
  type Decision,
  type EventToEmit,
} from "@jinlian/chassis";
import type { legislationEventsV1 } from "@jinlian/proto";
import type { Article, ArticleRef } from "./articles";
import { adoptionOutcomeCodec, draftKindCodec, shorterWindowReasonCodec, windowUnitCodec } from "./codecs";
import { at, type DecisionContext, type OrgRef, type Stamp } from "./context";
import { latestVersion, type Draft } from "./draft";
import { opinionFingerprint } from "./grouping";
import type { DraftKind } from "./kinds";
import type { CountedWindow, ShorterWindowReason } from "./window";

export type AdoptionOutcome = "ADOPTED" | "PARTLY_ADOPTED" | "NOT_ADOPTED";
export type PositionFormation = "IDENTICAL" | "MERGED" | "SPLIT";
export type DistrictReplyStatus = "AWAITING" | "REPLIED" | "NO_OPINION" | "OVERDUE";

export interface RoundWindow extends CountedWindow {
  readonly minimum: number;
  readonly shorter?: { readonly reason: ShorterWindowReason; readonly explanation: string } | undefined;
}

export interface Answer {
  readonly outcome: AdoptionOutcome;
  readonly explanation: string;
  readonly stamp: Stamp;
  /** The feedback batch that published it; 0 while not published. */
  readonly publishedBatch: number;
}

export interface Opinion {
  readonly opinionId: string;
  readonly organisation: OrgRef;
  /** The district node it came through; "" when submitted at this node. */
  readonly via: string;
  readonly citations: readonly ArticleRef[];
  readonly text: string;
  readonly submittedAt: Date;
  /** At the city: its position. "" at a district node (grouping happens where the round was opened). */
  readonly positionId: string;
  /** At a district node: the city's published answer. */
  readonly answer?: Answer | undefined;
}

export interface Position {
  readonly positionId: string;
  readonly opinionIds: readonly string[];
  readonly formation: PositionFormation;
  /** Identical-grouping key of the opinions it was formed from (merged positions keep the first). */
  readonly fingerprint: string;
  readonly answer?: Answer | undefined;
}

export interface DistrictState {
  readonly jurisdictionCode: string;
  readonly repliedAt?: Date | undefined;
  readonly noOpinion: boolean;
  readonly opinionCount: number;
}

export interface WindowChange {
  readonly reopening: boolean;
  readonly window: RoundWindow;
  readonly stamp: Stamp;
}

export interface Round {
  readonly roundId: string;
  readonly draftId: string;
  readonly draftVersion: number;
  readonly draftTitle: string;
  readonly kind: DraftKind;
  readonly articles: readonly Article[];
  readonly origin: "LOCAL" | "CITY";
  readonly openingJurisdiction: string;
  /** The closing was recorded (the window passed and the scanner saw it, or the city's closing arrived). */
  readonly closed: boolean;
  readonly window: RoundWindow;
  readonly windowChanges: readonly WindowChange[];
  readonly addressedOrganisations: readonly OrgRef[];
  readonly districts: readonly DistrictState[];
  readonly opinions: readonly Opinion[];
  readonly positions: readonly Position[];
  readonly feedbackBatches: number;
  /** At a district node: its reply to the city. */
  readonly reply?: { readonly at: Date; readonly noOpinion: boolean } | undefined;
  readonly opened: Stamp;
  readonly revision: number;
}

/** Open until the window's close time (24:00 CST of the last day), unless a closing was recorded. */
export function isOpen(r: Round, now: Date): boolean {
  return !r.closed && now.getTime() < r.window.closeTime.getTime();
}

export function districtStatus(d: DistrictState, r: Round, now: Date): DistrictReplyStatus {
  if (d.repliedAt) return d.noOpinion ? "NO_OPINION" : "REPLIED";
  return isOpen(r, now) ? "AWAITING" : "OVERDUE";
}

const refused = (type: string, r: Round, description: string) =>
  new FailedPreconditionError([{ type, subject: `round/${r.roundId}`, description }]);

function assertOpen(r: Round, now: Date): void {
  if (!isOpen(r, now)) throw refused("ROUND_CLOSED", r, `the round closed at ${r.window.closeTime.toISOString()}`);
}

function assertOpenedHere(r: Round, what: string): void {
  if (r.origin !== "LOCAL") throw refused("ROUND_OPENED_ELSEWHERE", r, `the round was opened by the city: ${what} there`);
}

export function eventWindow(w: RoundWindow): legislationEventsV1.EventWindow {
  return {
    unit: windowUnitCodec.toProto(w.unit),
    length: w.length,
    minimum: w.minimum,
    startTime: w.startTime,
    lastDay: w.lastDay,
    closeTime: w.closeTime,
    shorter: w.shorter && { reason: shorterWindowReasonCodec.toProto(w.shorter.reason), explanation: w.shorter.explanation },
    calendarVersion: w.calendarVersion,
  };
}

const toDistricts = (r: Round) => r.districts.map((d) => toNode(d.jurisdictionCode));

export interface OpenRoundInput {
  readonly window: RoundWindow;
  readonly organisations: readonly OrgRef[];
  readonly districts: readonly string[];
}

/** Opens a round on the draft's latest version; each addressed district node receives it. */
export function decideOpenRound(roundId: string, draft: Draft, input: OpenRoundInput, ctx: DecisionContext): Decision<Round> {
  const version = latestVersion(draft);
  const round: Round = {
    roundId,
    draftId: draft.draftId,
    draftVersion: version.version,
    draftTitle: draft.title,
    kind: draft.kind,
    articles: version.articles,
    origin: "LOCAL",
    openingJurisdiction: ctx.here,
    closed: false,
    window: input.window,
    windowChanges: [],
    addressedOrganisations: input.organisations,
    districts: input.districts.map((code) => ({ jurisdictionCode: code, noOpinion: false, opinionCount: 0 })),
    opinions: [],
    positions: [],
    feedbackBatches: 0,
    opened: ctx.stamp,
    revision: 0,
  };
  return {
    state: round,
    action: "OpenRound",
    events: input.districts.map((code) =>
      emit(
        legislationEvents.roundOpened,
        roundId,
        {
          roundId,
          draftId: draft.draftId,
          draftVersion: version.version,
          draftTitle: draft.title,
          kind: draftKindCodec.toProto(draft.kind),
          articles: version.articles.map((a) => ({
            number: a.number,
            paragraphs: a.paragraphs.map((p) => ({ text: p.text, items: [...p.items] })),
          })),
          window: eventWindow(input.window),
          addressedJurisdictionCode: code,
          audit: ctx.stamp,
        },
        [toNode(code)],
      ),
    ),
  };
}

/** A longer window counted from the same start; every addressed district node hears of it. */
export function decideExtendRound(r: Round, window: RoundWindow, ctx: DecisionContext): Decision<Round> {
  assertOpenedHere(r, "extending it is for the city");
  assertOpen(r, at(ctx));
  if (window.length <= r.window.length)
    throw new InvalidArgumentError([{ field: "window_length", description: `must be longer than the current ${r.window.length}` }]);
  return {
    state: { ...r, window, windowChanges: [...r.windowChanges, { reopening: false, window, stamp: ctx.stamp }] },
    action: "ExtendRound",
    events: [
      emit(
        legislationEvents.roundExtended,
        r.roundId,
        { roundId: r.roundId, window: eventWindow(window), audit: ctx.stamp },
        toDistricts(r),
      ),
    ],
  };
}

/** A closed round taken up again with a new window; refused once feedback was published on it. */
export function decideReopenRound(r: Round, window: RoundWindow, ctx: DecisionContext): Decision<Round> {
  assertOpenedHere(r, "reopening it is for the city");
  if (isOpen(r, at(ctx))) throw refused("ROUND_OPEN", r, "the round is still open: extend it instead");
  if (r.feedbackBatches > 0) throw refused("FEEDBACK_PUBLISHED", r, "feedback was published on the round: open a new round instead");
  return {
    state: { ...r, closed: false, window, windowChanges: [...r.windowChanges, { reopening: true, window, stamp: ctx.stamp }] },
    action: "ReopenRound",
    events: [
      emit(
        legislationEvents.roundReopened,
        r.roundId,
        { roundId: r.roundId, window: eventWindow(window), audit: ctx.stamp },
        toDistricts(r),
      ),
    ],
  };
}

/** Records the closing of a round whose window passed, and tells the district nodes. */
export function decideCloseRound(r: Round, ctx: DecisionContext): Decision<Round> | undefined {
  if (r.origin !== "LOCAL" || r.closed || isOpen(r, at(ctx))) return undefined;
  return {
    state: { ...r, closed: true },
    action: "CloseRound",
    events: [
      emit(
        legislationEvents.roundClosed,
        r.roundId,
        { roundId: r.roundId, closeTime: r.window.closeTime, audit: ctx.stamp },
        toDistricts(r),
      ),
    ],
  };
}

/** Adds opinions at the node that opened the round: each joins the position of identical ones or forms its own. */
function withOpinions(r: Round, added: readonly Omit<Opinion, "positionId">[], ctx: DecisionContext): Round {
  const opinions = [...r.opinions];
  const positions = [...r.positions];
  for (const o of added) {
    const fingerprint = opinionFingerprint(o.text, o.citations);
    // Only an unanswered identical position takes new supporters: a published answer is not reopened silently.
    const i = positions.findIndex((p) => p.fingerprint === fingerprint && p.formation === "IDENTICAL" && !p.answer?.publishedBatch);
    let positionId: string;
    if (i >= 0) {
      positionId = positions[i]!.positionId;
      positions[i] = { ...positions[i]!, opinionIds: [...positions[i]!.opinionIds, o.opinionId] };
    } else {
      positionId = ctx.newId();
      positions.push({ positionId, opinionIds: [o.opinionId], formation: "IDENTICAL", fingerprint });
    }
    opinions.push({ ...o, positionId });
  }
  return { ...r, opinions, positions };
}

/**
 * An organisation's opinion. At the opening node: an addressed organisation, grouped at once. At a
 * district node (a city round): one of its own organisations, held for the consolidated reply.
 */
export function decideSubmitOpinion(
  r: Round,
  input: { organisation: OrgRef; citations: readonly ArticleRef[]; text: string },
  ctx: DecisionContext,
): Decision<Round> & { opinionId: string } {
  assertOpen(r, at(ctx));
  const opinionId = ctx.newId();
  const opinion = {
    opinionId,
    organisation: input.organisation,
    via: "",
    citations: input.citations,
    text: input.text,
    submittedAt: at(ctx),
  };
  if (r.origin === "CITY") {
    if (r.reply) throw refused("REPLY_SENT", r, "this node already sent its reply to the city");
    return { state: { ...r, opinions: [...r.opinions, { ...opinion, positionId: "" }] }, action: "SubmitOpinion", events: [], opinionId };
  }
  if (!r.addressedOrganisations.some((o) => o.creditCode === input.organisation.creditCode))
    throw new FailedPreconditionError([
      {
        type: "NOT_ADDRESSED",
        subject: `organisation/${input.organisation.creditCode}`,
        description: `${input.organisation.name} is not addressed by the round; district organisations answer through their district node`,
      },
    ]);
  return { state: withOpinions(r, [opinion], ctx), action: "SubmitOpinion", events: [], opinionId };
}

/** A district node's one consolidated reply (its organisations' opinions) or 无意见, up to the city. */
export function decideSendDistrictReply(r: Round, noOpinion: boolean, ctx: DecisionContext): Decision<Round> {
  if (r.origin !== "CITY") throw refused("NOT_A_CITY_ROUND", r, "only a round received from the city is replied to");
  assertOpen(r, at(ctx));
  if (r.reply) throw refused("REPLY_SENT", r, "this node already sent its reply");
  if (noOpinion && r.opinions.length > 0)
    throw new InvalidArgumentError([{ field: "no_opinion", description: `cannot be set: ${r.opinions.length} opinion(s) were collected` }]);
  if (!noOpinion && r.opinions.length === 0)
    throw refused("NOTHING_TO_REPLY", r, "no opinion was collected: reply with no_opinion (无意见) instead");
  return {
    state: { ...r, reply: { at: at(ctx), noOpinion } },
    action: "SendDistrictReply",
    events: [
      emit(
        legislationEvents.districtReplySent,
        r.roundId,
        {
          roundId: r.roundId,
          jurisdictionCode: ctx.here,
          noOpinion,
          opinions: r.opinions.map((o) => ({
            opinionId: o.opinionId,
            organisation: o.organisation,
            citations: [...o.citations],
            text: o.text,
            submitTime: o.submittedAt,
          })),
          audit: ctx.stamp,
        },
        [toNode(CITY_JURISDICTION)],
      ),
    ],
  };
}

/**
 * The city applies a district's reply: its opinions join the round (grouped with everyone's),
 * and the district counts as replied (or 无意见). A reply sent after the window closed, from a
 * district not addressed, or a second reply, is refused.
 */
export function decideApplyDistrictReply(
  r: Round,
  reply: { jurisdictionCode: string; noOpinion: boolean; sentAt: Date; opinions: readonly Omit<Opinion, "positionId" | "via">[] },
  ctx: DecisionContext,
): Decision<Round> {
  const d = r.districts.find((x) => x.jurisdictionCode === reply.jurisdictionCode);
  if (r.origin !== "LOCAL" || !d)
    throw new InvalidArgumentError([
      { field: "data.jurisdiction_code", description: `district ${reply.jurisdictionCode} is not addressed by round ${r.roundId}` },
    ]);
  if (d.repliedAt) throw refused("REPLY_SENT", r, `district ${reply.jurisdictionCode} already replied`);
  if (reply.sentAt.getTime() >= r.window.closeTime.getTime())
    throw refused("ROUND_CLOSED", r, "the reply was sent after the window closed");
  const known = new Set(r.opinions.map((o) => o.opinionId));
  const fresh = reply.opinions.filter((o) => !known.has(o.opinionId)).map((o) => ({ ...o, via: reply.jurisdictionCode }));
  const withReply = {
    ...r,
    districts: r.districts.map((x) =>
      x === d ? { ...x, repliedAt: reply.sentAt, noOpinion: reply.noOpinion, opinionCount: reply.opinions.length } : x,
    ),
  };
  return { state: withOpinions(withReply, fresh, ctx), action: "DistrictReplySent", events: [] };
}

function positionOf(r: Round, positionId: string, field: string): Position {
  const p = r.positions.find((x) => x.positionId === positionId);
  if (!p) throw new InvalidArgumentError([{ field, description: `is not a position of round ${r.roundId}` }]);
  return p;
}

function assertNotPublished(r: Round, p: Position): void {
  if (p.answer?.publishedBatch)
    throw new FailedPreconditionError([
      { type: "ANSWER_PUBLISHED", subject: `round/${r.roundId}/position/${p.positionId}`, description: "its answer was published" },
    ]);
}

/** Merges positions: one position, the union of their opinions; answers not yet published are dropped (answer it again). */
export function decideMergePositions(
  r: Round,
  positionIds: readonly string[],
  ctx: DecisionContext,
): Decision<Round> & { positionId: string } {
  assertOpenedHere(r, "grouping is done");
  const unique = [...new Set(positionIds)];
  if (unique.length < 2) throw new InvalidArgumentError([{ field: "position_ids", description: "must name at least two positions" }]);
  const merged = unique.map((id, i) => positionOf(r, id, `position_ids[${i}]`));
  merged.forEach((p) => assertNotPublished(r, p));
  const positionId = ctx.newId();
  const order = new Map(r.opinions.map((o, i) => [o.opinionId, i]));
  const opinionIds = merged.flatMap((p) => p.opinionIds).sort((a, b) => order.get(a)! - order.get(b)!);
  const position: Position = { positionId, opinionIds, formation: "MERGED", fingerprint: merged[0]!.fingerprint };
  const ids = new Set(unique);
  return {
    state: {
      ...r,
      positions: [...r.positions.filter((p) => !ids.has(p.positionId)), position],
      opinions: r.opinions.map((o) => (ids.has(o.positionId) ? { ...o, positionId } : o)),
    },
    action: "MergePositions",
    events: [],
    positionId,
  };
}

/** Moves some opinions of a position into a new one; both lose an unpublished answer. */
export function decideSplitPosition(
  r: Round,
  positionId: string,
  opinionIds: readonly string[],
  ctx: DecisionContext,
): Decision<Round> & { positionId: string } {
  assertOpenedHere(r, "grouping is done");
  const p = positionOf(r, positionId, "position_id");
  assertNotPublished(r, p);
  const moving = new Set(opinionIds);
  opinionIds.forEach((id, i) => {
    if (!p.opinionIds.includes(id))
      throw new InvalidArgumentError([{ field: `opinion_ids[${i}]`, description: `is not an opinion of position ${positionId}` }]);
  });
  if (moving.size === 0 || moving.size >= p.opinionIds.length)
    throw new InvalidArgumentError([{ field: "opinion_ids", description: "must name some, not all, of the position's opinions" }]);
  const newId = ctx.newId();
  const stays: Position = { ...p, opinionIds: p.opinionIds.filter((id) => !moving.has(id)), answer: undefined };
  const first = r.opinions.find((o) => o.opinionId === opinionIds[0])!;
  const split: Position = {
    positionId: newId,
    opinionIds: p.opinionIds.filter((id) => moving.has(id)),
    formation: "SPLIT",
    fingerprint: opinionFingerprint(first.text, first.citations),
  };
  return {
    state: {
      ...r,
      positions: [...r.positions.map((x) => (x === p ? stays : x)), split],
      opinions: r.opinions.map((o) => (moving.has(o.opinionId) ? { ...o, positionId: newId } : o)),
    },
    action: "SplitPosition",
    events: [],
    positionId: newId,
  };
}

/** Answers a position (采纳情况); the answer is published later in a batch. */
export function decideAnswerPosition(
  r: Round,
  input: { positionId: string; outcome: AdoptionOutcome; explanation: string },
  ctx: DecisionContext,
): Decision<Round> {
  assertOpenedHere(r, "answers are given");
  const p = positionOf(r, input.positionId, "position_id");
  assertNotPublished(r, p);
  if (input.outcome !== "ADOPTED" && input.explanation.length === 0)
    throw new InvalidArgumentError([{ field: "explanation", description: `is required for ADOPTION_OUTCOME_${input.outcome}` }]);
  const answer: Answer = { outcome: input.outcome, explanation: input.explanation, stamp: ctx.stamp, publishedBatch: 0 };
  return { state: { ...r, positions: r.positions.map((x) => (x === p ? { ...x, answer } : x)) }, action: "AnswerPosition", events: [] };
}

/**
 * Publishes every answer not yet published as one batch, after the round closed. Each district
 * node with supporters in the batch receives the decisions on its opinions; the local feedback
 * stream carries the whole batch for this node's organisations.
 */
export function decidePublishFeedback(r: Round, ctx: DecisionContext): Decision<Round> & { batch: number } {
  assertOpenedHere(r, "feedback is published");
  if (isOpen(r, at(ctx))) throw refused("ROUND_OPEN", r, "feedback is published after the round closed");
  const pending = r.positions.filter((p) => p.answer && !p.answer.publishedBatch);
  if (pending.length === 0) throw refused("NOTHING_TO_PUBLISH", r, "no answer waits to be published");
  const batch = r.feedbackBatches + 1;
  const byId = new Map(r.opinions.map((o) => [o.opinionId, o]));
  const decision = (p: Position, only?: string): legislationEventsV1.PublishedDecision => {
    const opinions = p.opinionIds.map((id) => byId.get(id)!).filter((o) => only === undefined || o.via === only);
    return {
      positionId: p.positionId,
      outcome: adoptionOutcomeCodec.toProto(p.answer!.outcome),
      explanation: p.answer!.explanation,
      opinionIds: opinions.map((o) => o.opinionId),
      supporters: uniqueOrgs(opinions.map((o) => o.organisation)),
    };
  };
  const events: EventToEmit[] = [
    emit(
      legislationEvents.feedbackPublished,
      r.roundId,
      { roundId: r.roundId, batch, decisions: pending.map((p) => decision(p)), audit: ctx.stamp },
      [toLocal("feedback")],
    ),
  ];
  for (const d of r.districts) {
    const decisions = pending.map((p) => decision(p, d.jurisdictionCode)).filter((x) => x.opinionIds.length > 0);
    if (decisions.length > 0)
      events.push(
        emit(legislationEvents.feedbackPublished, r.roundId, { roundId: r.roundId, batch, decisions, audit: ctx.stamp }, [
          toNode(d.jurisdictionCode),
        ]),
      );
  }
  const published = new Set(pending);
  return {
    state: {
      ...r,
      feedbackBatches: batch,
      positions: r.positions.map((p) => (published.has(p) ? { ...p, answer: { ...p.answer!, publishedBatch: batch } } : p)),
    },
    action: "PublishFeedback",
    events,
    batch,
  };
}

export function uniqueOrgs(orgs: readonly OrgRef[]): OrgRef[] {
  const seen = new Map<string, OrgRef>();
  for (const o of orgs) if (!seen.has(o.creditCode)) seen.set(o.creditCode, o);
  return [...seen.values()];
}

// --- A city round as a district node holds it -------------------------------------------------

/** The city's round arrives: held here under the same id, open to this district's organisations. */
export function roundFromCity(e: {
  roundId: string;
  draftId: string;
  draftVersion: number;
  draftTitle: string;
  kind: DraftKind;
  articles: readonly Article[];
  window: RoundWindow;
  stamp: Stamp;
}): Decision<Round> {
  return {
    state: {
      roundId: e.roundId,
      draftId: e.draftId,
      draftVersion: e.draftVersion,
      draftTitle: e.draftTitle,
      kind: e.kind,
      articles: e.articles,
      origin: "CITY",
      openingJurisdiction: CITY_JURISDICTION,
      closed: false,
      window: e.window,
      windowChanges: [],
      addressedOrganisations: [],
      districts: [],
      opinions: [],
      positions: [],
      feedbackBatches: 0,
      opened: e.stamp,
      revision: 0,
    },
    action: "RoundOpened",
    events: [],
  };
}

/** The city extended or reopened the round: the new window holds here too. */
export function cityWindowChanged(r: Round, window: RoundWindow, reopening: boolean, stamp: Stamp): Decision<Round> {
  return {
    state: { ...r, window, closed: reopening ? false : r.closed, windowChanges: [...r.windowChanges, { reopening, window, stamp }] },
    action: reopening ? "RoundReopened" : "RoundExtended",
    events: [],
  };
}

export function cityClosed(r: Round): Decision<Round> {
  return { state: { ...r, closed: true }, action: "RoundClosed", events: [] };
}

/** The city's answers to this district's opinions. */
export function cityFeedback(
  r: Round,
  batch: number,
  decisions: readonly { outcome: AdoptionOutcome; explanation: string; opinionIds: readonly string[] }[],
  stamp: Stamp,
): Decision<Round> {
  const answers = new Map<string, Answer>();
  for (const d of decisions)
    for (const id of d.opinionIds) answers.set(id, { outcome: d.outcome, explanation: d.explanation, stamp, publishedBatch: batch });
  return {
    state: {
      ...r,
      feedbackBatches: Math.max(r.feedbackBatches, batch),
      opinions: r.opinions.map((o) => (answers.has(o.opinionId) ? { ...o, answer: answers.get(o.opinionId) } : o)),
    },
    action: "FeedbackPublished",
    events: [],
  };
}

/** The round's state for the review gate of its draft. */
export function roundForGate(r: Round, now: Date) {
  return {
    roundId: r.roundId,
    open: isOpen(r, now),
    unanswered: r.positions
      .filter((p) => !p.answer?.publishedBatch)
      .map((p) => ({ positionId: p.positionId, opinions: p.opinionIds.length, firstOpinionId: p.opinionIds[0] ?? "" })),
  };
}
