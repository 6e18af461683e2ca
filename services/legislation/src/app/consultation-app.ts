import type { Knex } from "knex";
import { CITY_JURISDICTION, DISTRICT_CODES } from "@jinlian/kernel";
import {
  type Actor,
  type Attribution,
  attributionFromEvent,
  checkExpectedRevision,
  type Decision,
  FailedPreconditionError,
  parseEventSource,
  periodField,
  readPageRequest,
  type ReceivedEvent,
  type ServiceKit,
  textField,
  timeCursor,
  uuidField,
  Violations,
} from "@jinlian/chassis";
import type { commonV1, legislationEventsV1 } from "@jinlian/proto";
import { checkCitations, type Article, type ArticleRef } from "../domain/articles";
import { adoptionOutcomeCodec, draftKindCodec, shorterWindowReasonCodec, windowUnitCodec } from "../domain/codecs";
import type { Stamp } from "../domain/context";
import { decideMarkConsulted } from "../domain/draft";
import { DEFAULT_GROUPING, proposeGroups, type GroupingPolicy } from "../domain/grouping";
import { LIMITS } from "../domain/kinds";
import {
  cityClosed,
  cityFeedback,
  cityWindowChanged,
  decideAnswerPosition,
  decideApplyDistrictReply,
  decideCloseRound,
  decideExtendRound,
  decideMergePositions,
  decideOpenRound,
  decidePublishFeedback,
  decideReopenRound,
  decideSendDistrictReply,
  decideSplitPosition,
  decideSubmitOpinion,
  roundFromCity,
  type AdoptionOutcome,
  type Round,
  type RoundWindow,
} from "../domain/round";
import { CalendarNotCovered, countWindow, windowRule, type ShorterWindowReason, type WorkingCalendar } from "../domain/window";
import { draftStore, rounds, roundStore } from "../persistence/repositories";
import {
  CONSULTED_TYPES,
  contextOf,
  creditCodeField,
  found,
  reasonField,
  revisionField,
  resolveOrganisations,
  type Mutation,
} from "./support";

const MAX_WINDOW = 365;

/** Counts a window, refusing (never guessing) when the calendar does not cover a day it needs. */
function counted(calendar: WorkingCalendar, start: Date, unit: RoundWindow["unit"], length: number) {
  try {
    return countWindow(calendar, start, unit, length);
  } catch (err) {
    if (err instanceof CalendarNotCovered)
      throw new FailedPreconditionError([
        {
          type: "CALENDAR_NOT_AVAILABLE",
          subject: `calendar/${err.year}`,
          description: `${err.message}: the window cannot be counted until the year's official holidays are in the calendar (library update or override file)`,
        },
      ]);
    throw err;
  }
}

/** Opinion solicitation rounds: use cases, and the deliveries they take from other nodes. */
export class ConsultationApp {
  constructor(
    private readonly kit: ServiceKit,
    private readonly calendar: WorkingCalendar,
    readonly grouping: GroupingPolicy = DEFAULT_GROUPING,
  ) {}

  /** Loads, decides and applies one change to a round; answers with the round (and what the decision names). */
  private async change<X = undefined>(
    method: string,
    roundId: string,
    input: Mutation,
    actor: Actor,
    decide: (
      round: Round,
      trx: Knex.Transaction,
      now: Date,
    ) => Promise<Decision<Round> & { extra?: X }> | (Decision<Round> & { extra?: X }),
  ): Promise<{ round: Round; extra?: X }> {
    return this.kit.change(
      `${method}:${roundId}`,
      actor,
      roundId,
      async (trx) => {
        const before = found(await roundStore.load(trx, roundId, true), "round", roundId);
        // A stale revision is answered before any rule of the decision (ABORTED, not a precondition).
        checkExpectedRevision(roundStore.type, roundId, before.revision, input.expectedRevision);
        const now = this.kit.now();
        const decision = await decide(before, trx, now);
        // A round's view is its document: the state saved is the answer.
        const round = await this.kit.apply(trx, roundStore, before, decision, { actor, reason: input.reason }, input.expectedRevision, now);
        return { round, extra: decision.extra };
      },
      async (id, trx) => ({ round: found(await roundStore.load(trx, id), "round", id) }),
    );
  }

  async open(
    input: Mutation & {
      draftId: string;
      windowLength: number;
      shorter?: { reason: ShorterWindowReason | undefined; explanation: string } | undefined;
      organisationCreditCodes: readonly string[];
      districtCodes: readonly string[];
      allDistricts: boolean;
    },
    actor: Actor,
  ): Promise<Round> {
    const v = new Violations();
    uuidField(v, "draft_id", input.draftId);
    revisionField(v, input.expectedRevision);
    if (input.windowLength < 0 || input.windowLength > MAX_WINDOW)
      v.add("window_length", `must be between 0 (the minimum) and ${MAX_WINDOW}`);
    if (input.organisationCreditCodes.length + input.districtCodes.length > LIMITS.addressees)
      v.add("organisation_credit_codes", `at most ${LIMITS.addressees} addressees`);
    const codes = input.organisationCreditCodes.map((c, i) => creditCodeField(v, `organisation_credit_codes[${i}]`, c));
    if (new Set(codes).size !== codes.length) v.add("organisation_credit_codes", "must not repeat an organisation");
    const atCity = this.kit.here === CITY_JURISDICTION;
    if (!atCity && (input.districtCodes.length > 0 || input.allDistricts))
      v.add(
        input.allDistricts ? "all_districts" : "district_jurisdiction_codes",
        "a district node consults its own organisations; only the city addresses district nodes",
      );
    input.districtCodes.forEach((c, i) => {
      if (!DISTRICT_CODES.includes(c)) v.add(`district_jurisdiction_codes[${i}]`, "must be one of the 16 district codes of Tianjin");
    });
    if (input.allDistricts && input.districtCodes.length > 0) v.add("district_jurisdiction_codes", "must be empty with all_districts");
    const districts = input.allDistricts ? [...DISTRICT_CODES] : [...new Set(input.districtCodes)];
    if (codes.length === 0 && districts.length === 0)
      v.add("organisation_credit_codes", "the round must address at least one organisation or district node");
    const shorterReason = input.shorter?.reason;
    const explanation = textField(v, "shorter_window.explanation", input.shorter?.explanation ?? "", { max: LIMITS.text });
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const roundId = this.kit.newId();
    return this.kit.creation(
      `OpenRound:${input.draftId}`,
      actor,
      roundId,
      async (trx) => {
        const draft = found(await draftStore.load(trx, input.draftId, true), "draft", input.draftId);
        checkExpectedRevision(draftStore.type, draft.draftId, draft.revision, input.expectedRevision);
        const now = this.kit.now();
        if (await rounds.openOnDraft(trx, draft.draftId, now))
          throw new FailedPreconditionError([
            { type: "ROUND_OPEN", subject: `draft/${draft.draftId}`, description: "a round on this draft is still open" },
          ]);
        const rule = windowRule(draft.kind, draft.closelyConcernsMarketEntities);
        const length = input.windowLength || rule.minimum;
        const w = new Violations();
        const shorter = length < rule.minimum;
        if (shorter && (!shorterReason || !explanation))
          w.add(
            "shorter_window",
            `a window of ${length} below the minimum of ${rule.minimum} ${rule.unit === "WORKING_DAYS" ? "working days" : "days"} needs a typed reason and an explanation`,
          );
        if (!shorter && (shorterReason || explanation))
          w.add("shorter_window", `must be empty: the window is not shorter than the minimum of ${rule.minimum}`);
        w.throwIfAny();
        const organisations = await resolveOrganisations(
          trx,
          codes.map((creditCode, i) => ({ field: `organisation_credit_codes[${i}]`, creditCode })),
          CONSULTED_TYPES,
        );
        const window: RoundWindow = {
          ...counted(this.calendar, now, rule.unit, length),
          minimum: rule.minimum,
          shorter: shorter ? { reason: shorterReason!, explanation } : undefined,
        };
        const ctx = contextOf(this.kit, actor, reason, now);
        await this.kit.apply(trx, draftStore, draft, decideMarkConsulted(draft), { actor, reason }, input.expectedRevision, now);
        // A round's view is its document: the state saved is the answer.
        return this.kit.apply(
          trx,
          roundStore,
          undefined,
          decideOpenRound(roundId, draft, { window, organisations, districts }, ctx),
          { actor, reason },
          0,
          now,
        );
      },
      async (id, trx) => found(await roundStore.load(trx, id), "round", id),
    );
  }

  private windowInput(input: Mutation & { roundId: string; windowLength: number }, min: number): string {
    const v = new Violations();
    uuidField(v, "round_id", input.roundId);
    revisionField(v, input.expectedRevision);
    if (input.windowLength < min || input.windowLength > MAX_WINDOW) v.add("window_length", `must be between ${min} and ${MAX_WINDOW}`);
    const reason = reasonField(v, input.reason, true);
    v.throwIfAny();
    return reason;
  }

  async extend(input: Mutation & { roundId: string; windowLength: number }, actor: Actor): Promise<Round> {
    const reason = this.windowInput(input, 1);
    return (
      await this.change("ExtendRound", input.roundId, { ...input, reason }, actor, (r, _trx, now) => {
        const window: RoundWindow = {
          ...counted(this.calendar, r.window.startTime, r.window.unit, input.windowLength),
          minimum: r.window.minimum,
          shorter: input.windowLength < r.window.minimum ? r.window.shorter : undefined,
        };
        return decideExtendRound(r, window, contextOf(this.kit, actor, reason, now));
      })
    ).round;
  }

  async reopen(input: Mutation & { roundId: string; windowLength: number }, actor: Actor): Promise<Round> {
    const reason = this.windowInput(input, 1);
    return (
      await this.change("ReopenRound", input.roundId, { ...input, reason }, actor, (r, _trx, now) => {
        const window: RoundWindow = {
          ...counted(this.calendar, now, r.window.unit, input.windowLength),
          minimum: r.window.minimum,
          shorter: r.window.shorter,
        };
        return decideReopenRound(r, window, contextOf(this.kit, actor, reason, now));
      })
    ).round;
  }

  async submitOpinion(
    input: Mutation & { roundId: string; creditCode: string; citations: readonly ArticleRef[]; text: string },
    actor: Actor,
  ): Promise<{ round: Round; opinionId: string }> {
    const v = new Violations();
    uuidField(v, "round_id", input.roundId);
    revisionField(v, input.expectedRevision);
    const code = creditCodeField(v, "organisation_credit_code", input.creditCode);
    const text = textField(v, "text", input.text, { required: true, max: LIMITS.text });
    if (input.citations.length === 0) v.add("citations", "must cite at least one article of the consulted version");
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const { round, extra } = await this.change<string>("SubmitOpinion", input.roundId, { ...input, reason }, actor, async (r, trx, now) => {
      const c = new Violations();
      const citations = checkCitations(c, "citations", input.citations, r.articles);
      c.throwIfAny();
      const [organisation] = await resolveOrganisations(trx, [{ field: "organisation_credit_code", creditCode: code }], CONSULTED_TYPES);
      const d = decideSubmitOpinion(r, { organisation: organisation!, citations, text }, contextOf(this.kit, actor, reason, now));
      return { ...d, extra: d.opinionId };
    });
    return { round, opinionId: extra! };
  }

  async sendDistrictReply(input: Mutation & { roundId: string; noOpinion: boolean }, actor: Actor): Promise<Round> {
    const v = new Violations();
    uuidField(v, "round_id", input.roundId);
    revisionField(v, input.expectedRevision);
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    return (
      await this.change("SendDistrictReply", input.roundId, { ...input, reason }, actor, (r, _trx, now) =>
        decideSendDistrictReply(r, input.noOpinion, contextOf(this.kit, actor, reason, now)),
      )
    ).round;
  }

  async mergePositions(input: Mutation & { roundId: string; positionIds: readonly string[] }, actor: Actor) {
    const v = new Violations();
    uuidField(v, "round_id", input.roundId);
    revisionField(v, input.expectedRevision);
    input.positionIds.forEach((id, i) => uuidField(v, `position_ids[${i}]`, id));
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const { round, extra } = await this.change<string>("MergePositions", input.roundId, { ...input, reason }, actor, (r, _trx, now) => {
      const d = decideMergePositions(r, input.positionIds, contextOf(this.kit, actor, reason, now));
      return { ...d, extra: d.positionId };
    });
    return { round, positionId: extra! };
  }

  async splitPosition(input: Mutation & { roundId: string; positionId: string; opinionIds: readonly string[] }, actor: Actor) {
    const v = new Violations();
    uuidField(v, "round_id", input.roundId);
    uuidField(v, "position_id", input.positionId);
    revisionField(v, input.expectedRevision);
    input.opinionIds.forEach((id, i) => uuidField(v, `opinion_ids[${i}]`, id));
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const { round, extra } = await this.change<string>("SplitPosition", input.roundId, { ...input, reason }, actor, (r, _trx, now) => {
      const d = decideSplitPosition(r, input.positionId, input.opinionIds, contextOf(this.kit, actor, reason, now));
      return { ...d, extra: d.positionId };
    });
    return { round, positionId: extra! };
  }

  async answerPosition(
    input: Mutation & { roundId: string; positionId: string; outcome: AdoptionOutcome | undefined; explanation: string },
    actor: Actor,
  ): Promise<Round> {
    const v = new Violations();
    uuidField(v, "round_id", input.roundId);
    uuidField(v, "position_id", input.positionId);
    revisionField(v, input.expectedRevision);
    if (!input.outcome) v.add("outcome", "must be ADOPTED, PARTLY_ADOPTED or NOT_ADOPTED");
    const explanation = textField(v, "explanation", input.explanation, { max: LIMITS.text });
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    return (
      await this.change("AnswerPosition", input.roundId, { ...input, reason }, actor, (r, _trx, now) =>
        decideAnswerPosition(
          r,
          { positionId: input.positionId, outcome: input.outcome!, explanation },
          contextOf(this.kit, actor, reason, now),
        ),
      )
    ).round;
  }

  async publishFeedback(input: Mutation & { roundId: string }, actor: Actor): Promise<{ round: Round; batch: number }> {
    const v = new Violations();
    uuidField(v, "round_id", input.roundId);
    revisionField(v, input.expectedRevision);
    const reason = reasonField(v, input.reason);
    v.throwIfAny();
    const { round, extra } = await this.change<number>("PublishFeedback", input.roundId, { ...input, reason }, actor, (r, _trx, now) => {
      const d = decidePublishFeedback(r, contextOf(this.kit, actor, reason, now));
      return { ...d, extra: d.batch };
    });
    return { round, batch: extra ?? round.feedbackBatches };
  }

  async get(roundId: string): Promise<Round> {
    const v = new Violations();
    uuidField(v, "round_id", roundId);
    v.throwIfAny();
    return found(await this.kit.snapshot((s) => roundStore.load(s, roundId)), "round", roundId);
  }

  async list(
    raw: { draftId: string; status?: "OPEN" | "CLOSED"; origin?: "LOCAL" | "CITY"; openPeriod?: { startTime?: Date; endTime?: Date } },
    pageSize: number,
    pageToken: string,
    v: Violations,
  ) {
    const draftId = raw.draftId.trim().toLowerCase();
    uuidField(v, "filter.draft_id", draftId, false);
    const filter = {
      draftId: draftId || undefined,
      status: raw.status,
      origin: raw.origin,
      opened: periodField(v, "filter.open_period", raw.openPeriod),
    };
    const request = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    return this.kit.snapshot((s) => rounds.list(s, { ...filter, now: this.kit.now() }, request));
  }

  /** Near-identical positions not yet answered in public, proposed as groups. */
  async groupingProposals(roundId: string) {
    const r = await this.get(roundId);
    const byId = new Map(r.opinions.map((o) => [o.opinionId, o]));
    const candidates = r.positions
      .filter((p) => !p.answer?.publishedBatch && p.opinionIds.length > 0)
      .map((p) => {
        const first = byId.get(p.opinionIds[0]!)!;
        return { positionId: p.positionId, text: first.text, citations: p.opinionIds.flatMap((id) => byId.get(id)?.citations ?? []) };
      });
    return proposeGroups(candidates, this.grouping);
  }

  /** Records the closing of rounds opened here whose window passed; returns how many. */
  async closeDueRounds(limit = 100): Promise<number> {
    const ids = await rounds.dueToClose(this.kit.db, this.kit.now(), limit);
    let closed = 0;
    for (const id of ids)
      await this.kit.db.transaction(async (trx) => {
        const r = await roundStore.load(trx, id, true);
        const now = this.kit.now();
        const by: Attribution = { actor: { subject: "system:round-closer", requestId: "" }, reason: "the window passed" };
        const decision = r && decideCloseRound(r, contextOf(this.kit, by.actor, by.reason, now));
        if (!r || !decision) return;
        await this.kit.apply(trx, roundStore, r, decision, by, 0, now);
        closed++;
      });
    return closed;
  }

  // ---- inbound deliveries (inside the consumer's inbox transaction) ----

  private inbound(event: ReceivedEvent<{ audit?: commonV1.AuditMetadata | undefined }>): { by: Attribution; stamp: Stamp; now: Date } {
    const from = parseEventSource(event.source)?.node ?? "";
    const a = event.data.audit;
    const now = this.kit.now();
    return {
      by: attributionFromEvent(a, from),
      stamp: {
        actor: a?.actor || `node:${from}`,
        reason: a?.reason ?? "",
        requestId: a?.requestId ?? "",
        occurTime: a?.occurTime ?? event.time,
        jurisdictionCode: a?.jurisdictionCode || from,
      },
      now,
    };
  }

  /** At a district node: the city's round, held under the same id. A repeat changes nothing. */
  async onRoundOpened(event: ReceivedEvent<legislationEventsV1.RoundOpened>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    if (await roundStore.load(trx, e.roundId)) return;
    const { by, stamp, now } = this.inbound(event);
    const decision = roundFromCity({
      roundId: e.roundId,
      draftId: e.draftId,
      draftVersion: e.draftVersion,
      draftTitle: e.draftTitle,
      kind: draftKindCodec.fromProto(e.kind)!,
      articles: articlesFromProto(e.articles),
      window: windowFromEvent(e.window!),
      stamp,
    });
    await this.kit.apply(trx, roundStore, undefined, decision, by, 0, now);
  }

  private async onMirror(
    event: ReceivedEvent<{ roundId: string; audit?: commonV1.AuditMetadata | undefined }>,
    trx: Knex.Transaction,
    decide: (r: Round, stamp: Stamp) => Decision<Round>,
  ) {
    const r = await roundStore.load(trx, event.data.roundId, true);
    if (!r || r.origin !== "CITY") {
      this.kit.logger.warn(
        { round_id: event.data.roundId, type: event.type },
        "round change for a round not held here from the city; ignored",
      );
      return;
    }
    const { by, stamp, now } = this.inbound(event);
    await this.kit.apply(trx, roundStore, r, decide(r, stamp), by, 0, now);
  }

  onRoundExtended(event: ReceivedEvent<legislationEventsV1.RoundExtended>, trx: Knex.Transaction) {
    return this.onMirror(event, trx, (r, stamp) => cityWindowChanged(r, windowFromEvent(event.data.window!), false, stamp));
  }
  onRoundReopened(event: ReceivedEvent<legislationEventsV1.RoundReopened>, trx: Knex.Transaction) {
    return this.onMirror(event, trx, (r, stamp) => cityWindowChanged(r, windowFromEvent(event.data.window!), true, stamp));
  }
  onRoundClosed(event: ReceivedEvent<legislationEventsV1.RoundClosed>, trx: Knex.Transaction) {
    return this.onMirror(event, trx, (r) => cityClosed(r));
  }
  onFeedbackPublished(event: ReceivedEvent<legislationEventsV1.FeedbackPublished>, trx: Knex.Transaction) {
    const decisions = event.data.decisions.map((d) => ({
      outcome: adoptionOutcomeCodec.fromProto(d.outcome)!,
      explanation: d.explanation,
      opinionIds: d.opinionIds,
    }));
    return this.onMirror(event, trx, (r, stamp) => cityFeedback(r, event.data.batch, decisions, stamp));
  }

  /** At the city: a district's consolidated reply joins the round. */
  async onDistrictReply(event: ReceivedEvent<legislationEventsV1.DistrictReplySent>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const r = found(await roundStore.load(trx, e.roundId, true), "round", e.roundId);
    const { by, stamp, now } = this.inbound(event);
    const decision = decideApplyDistrictReply(
      r,
      {
        jurisdictionCode: e.jurisdictionCode,
        noOpinion: e.noOpinion,
        sentAt: stamp.occurTime,
        opinions: e.opinions.map((o) => ({
          opinionId: o.opinionId,
          organisation: {
            creditCode: o.organisation!.creditCode,
            name: o.organisation!.name,
            jurisdictionCode: o.organisation!.jurisdictionCode,
          },
          citations: o.citations.map((c) => ({ article: c.article, paragraph: c.paragraph, item: c.item })),
          text: o.text,
          submittedAt: o.submitTime ?? stamp.occurTime,
        })),
      },
      { stamp, here: this.kit.here, newId: () => this.kit.newId() },
    );
    await this.kit.apply(trx, roundStore, r, decision, by, 0, now);
  }

  /** The rules a district reply meets before the inbox: the opinions' shape (citations are checked against the round). */
  static replyViolations(e: legislationEventsV1.DistrictReplySent): { field: string; description: string }[] {
    const v = new Violations();
    uuidField(v, "data.round_id", e.roundId);
    if (e.noOpinion && e.opinions.length > 0) v.add("data.no_opinion", "cannot be set with opinions");
    if (!e.noOpinion && e.opinions.length === 0) v.add("data.opinions", "must not be empty without no_opinion");
    e.opinions.forEach((o, i) => {
      uuidField(v, `data.opinions[${i}].opinion_id`, o.opinionId);
      if (!o.organisation?.creditCode) v.add(`data.opinions[${i}].organisation`, "is required");
      if (o.text.trim().length === 0) v.add(`data.opinions[${i}].text`, "is required");
      if (o.citations.length === 0) v.add(`data.opinions[${i}].citations`, "must not be empty");
    });
    return [...v.all];
  }
}

export function articlesFromProto(
  articles: readonly { number: number; paragraphs: readonly { text: string; items: readonly string[] }[] }[],
): Article[] {
  return articles.map((a) => ({ number: a.number, paragraphs: a.paragraphs.map((p) => ({ text: p.text, items: [...p.items] })) }));
}

export function windowFromEvent(w: legislationEventsV1.EventWindow): RoundWindow {
  const reason = w.shorter ? shorterWindowReasonCodec.fromProto(w.shorter.reason) : undefined;
  return {
    unit: windowUnitCodec.fromProto(w.unit) ?? "CALENDAR_DAYS",
    length: w.length,
    minimum: w.minimum,
    startTime: w.startTime!,
    lastDay: w.lastDay,
    closeTime: w.closeTime!,
    calendarVersion: w.calendarVersion,
    shorter: reason && w.shorter ? { reason, explanation: w.shorter.explanation } : undefined,
  };
}
