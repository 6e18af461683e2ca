import {
  type Actor,
  assertUuid,
  attributionFromEvent,
  checkExpectedRevision,
  isUuid,
  NotFoundError,
  parseEventSource,
  readPageRequest,
  type ReceivedEvent,
  type ServiceKit,
  textField,
  timeCursor,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import type { liaisonEventsV1 } from "@jinlian/proto";
import type { Knex } from "knex";
import {
  agendaItemRefs,
  attendeeRefs,
  decideAddAgendaItem,
  decideCancel,
  decideClose,
  decideCorrectOutcome,
  decideOutcome,
  decideRecordAttendees,
  decideRemoveAgendaItem,
  decideRemoveAttendee,
  decideReschedule,
  decideSchedule,
  decideStart,
  outcomeRefs,
  scheduleRefs,
  validateAgendaItem,
  validateAttendees,
  validateCancellation,
  validateMinutes,
  validateCorrection,
  validateOutcome,
  validateRemoval,
  validateReschedule,
  validateSchedule,
  CONSULTATION_LIMITS,
  type AgendaItemInput,
  type AttendeeInput,
  type Consultation,
  type ConsultationContext,
  type ConsultationDecision,
  type ConsultationListFilter,
  type LeavingFacts,
  type Outcome,
  type OutcomeInput,
  type ScheduleInput,
} from "../domain/consultation";
import { decideAgendaReceived, type ReceivedAgenda, type ReceivedAgendaFilter } from "../domain/consultation-events";
import { organisationIdsOf, type Parties, type PartyReference } from "../domain/consultation-parties";
import { actionItemStore, consultationRepository as repo, consultationStore } from "../persistence/consultation-repository";
import { actionItemViews, ownerIdsOf, type ActionItemView } from "./action-item-app";
import { findOrganisations, resolveOrganisationNames, type OrganisationName } from "./organisations";

/** A consultation with the action items it currently tracks (none in lists), and the organisations they name. */
export interface ConsultationView {
  consultation: Consultation;
  actionItems: ActionItemView[];
  /** The organisations named (presenters, attendees, owners), by id, for their references in responses. */
  names: Parties;
}

/** An agenda item as a request names its presenter: by registry id or credit code. */
export type NamedAgendaItem = AgendaItemInput & { presenterCreditCode: string };
/** An attendee as a request names the organisation: by registry id or credit code. */
export type NamedAttendee = AttendeeInput & { creditCode: string };

/** The organisation ids a consultation names (presenters and attendees). */
function idsOf(c: Pick<Consultation, "agenda" | "attendees">): string[] {
  return [...c.agenda.map((a) => a.presenterOrganisationId).filter((x) => x !== ""), ...c.attendees.map((a) => a.organisationId)];
}

/**
 * Replaces the credit codes of agenda items and attendees by registry ids (either names the
 * organisation; both must agree). Unknown codes are violations named by field path.
 */
export async function resolveConsultationNames(
  db: Knex | Knex.Transaction,
  v: Violations,
  agenda: readonly { item: NamedAgendaItem | undefined; path: string }[],
  attendees: readonly { item: NamedAttendee; path: string }[],
): Promise<{ agenda: (AgendaItemInput | undefined)[]; attendees: AttendeeInput[] }> {
  const names: OrganisationName[] = [
    ...agenda.map(({ item, path }) => ({
      idField: `${path}.presenter_organisation_id`,
      creditCodeField: `${path}.presenter_credit_code`,
      organisationId: item?.presenterOrganisationId ?? "",
      creditCode: item?.presenterCreditCode ?? "",
    })),
    ...attendees.map(({ item, path }) => ({
      idField: `${path}.organisation_id`,
      creditCodeField: `${path}.credit_code`,
      organisationId: item.organisationId,
      creditCode: item.creditCode,
    })),
  ];
  const ids = await resolveOrganisationNames(db, v, names);
  return {
    agenda: agenda.map(({ item }, i) =>
      item
        ? { topic: item.topic, presenter: item.presenter, presenterOrganisationId: ids[i]!, durationMinutes: item.durationMinutes }
        : undefined,
    ),
    attendees: attendees.map(({ item }, i) => ({ name: item.name, organisationId: ids[agenda.length + i]!, title: item.title })),
  };
}

/**
 * Use cases of consultations (art. 1): scheduling, agenda and attendees, the held meeting with
 * its typed outcomes, closing with minutes, and carrying unfinished action items along a series.
 */
export class ConsultationApp {
  constructor(private readonly kit: ServiceKit) {}

  async schedule(
    input: Omit<ScheduleInput, "agenda" | "attendees"> & { agenda: readonly NamedAgendaItem[]; attendees: readonly NamedAttendee[] },
    actor: Actor,
  ): Promise<ConsultationView> {
    const named = await this.resolve(
      input.agenda.map((item, i) => ({ item, path: `agenda[${i}]` })),
      input.attendees.map((item, i) => ({ item, path: `attendees[${i}]` })),
    );
    const s = validateSchedule(
      { ...input, agenda: named.agenda as AgendaItemInput[], attendees: named.attendees },
      { here: this.kit.here },
    );
    const consultationId = this.kit.newId();
    return this.kit.creation(
      "ScheduleConsultation",
      actor,
      consultationId,
      async (trx) => {
        const series = s.seriesId ? await repo.lockSeries(trx, s.seriesId) : undefined;
        const ctx = this.context(actor, s.reason);
        const d = decideSchedule(
          consultationId,
          s,
          {
            series,
            // Held against a concurrent suspension until this transaction ends.
            mechanism: await repo.mechanismOf(trx, { jurisdictionCode: this.kit.here }, true),
            parties: await this.parties(trx, scheduleRefs(s)),
            // Unfinished items left behind by a closed consultation of the series come to this one.
            inSeries: series ? await repo.unfinishedInSeries(trx, s.seriesId) : [],
          },
          ctx,
        );
        const c = await this.applyWithCarryOver(trx, undefined, d, actor, s.reason, 0, ctx.now);
        this.kit.logger.info({ consultation_id: c.consultationId, series_id: c.seriesId, kind: c.kind }, "consultation scheduled");
        // The items carried over from the series are saved by now: the view reads them.
        return this.viewOf(trx, c);
      },
      (id, trx) => this.view(trx, id),
    );
  }

  async addAgendaItem(id: string, expectedRevision: number, item: NamedAgendaItem | undefined, reason: string, actor: Actor) {
    const named = await this.resolve([{ item, path: "item" }], []);
    const v = this.checkChange(id, expectedRevision);
    const agendaItem = validateAgendaItem(v, "item", named.agenda[0]);
    const why = this.reason(v, reason);
    return this.change("AddAgendaItem", id, expectedRevision, actor, async (trx, before) => {
      const parties = await this.parties(trx, agendaItemRefs(agendaItem), before);
      const ctx = this.context(actor, why);
      const decision = decideAddAgendaItem(before, agendaItem, parties, ctx);
      return this.kit.apply(trx, consultationStore, before, decision, { actor, reason: why }, expectedRevision, ctx.now);
    });
  }

  async recordAttendees(id: string, expectedRevision: number, attendees: readonly NamedAttendee[], reason: string, actor: Actor) {
    const named = await this.resolve(
      [],
      attendees.slice(0, CONSULTATION_LIMITS.attendees + 1).map((item, i) => ({ item, path: `attendees[${i}]` })),
    );
    const v = this.checkChange(id, expectedRevision);
    const list = validateAttendees(v, "attendees", attendees.length > CONSULTATION_LIMITS.attendees ? attendees : named.attendees, true);
    const why = this.reason(v, reason);
    return this.change("RecordAttendees", id, expectedRevision, actor, async (trx, before) => {
      const parties = await this.parties(trx, attendeeRefs(list), before);
      const ctx = this.context(actor, why);
      const decision = decideRecordAttendees(before, list, parties, ctx);
      return this.kit.apply(trx, consultationStore, before, decision, { actor, reason: why }, expectedRevision, ctx.now);
    });
  }

  async reschedule(
    id: string,
    expectedRevision: number,
    input: { scheduledTime: Date | undefined; location: string; reason: string },
    actor: Actor,
  ) {
    this.checkChange(id, expectedRevision).throwIfAny();
    const r = validateReschedule(input);
    return this.change("RescheduleConsultation", id, expectedRevision, actor, async (trx, before) => {
      const ctx = this.context(actor, r.reason);
      const decision = decideReschedule(before, r, await this.parties(trx, [], before), ctx);
      return this.kit.apply(trx, consultationStore, before, decision, { actor, reason: r.reason }, expectedRevision, ctx.now);
    });
  }

  async removeAgendaItem(id: string, expectedRevision: number, agendaItemId: string, reason: string, actor: Actor) {
    this.checkChange(id, expectedRevision).throwIfAny();
    const r = validateRemoval("agenda_item_id", agendaItemId, reason);
    return this.change("RemoveAgendaItem", id, expectedRevision, actor, async (trx, before) => {
      const ctx = this.context(actor, r.reason);
      const decision = decideRemoveAgendaItem(before, r.id, await this.parties(trx, [], before), ctx);
      return this.kit.apply(trx, consultationStore, before, decision, { actor, reason: r.reason }, expectedRevision, ctx.now);
    });
  }

  async removeAttendee(id: string, expectedRevision: number, attendeeId: string, reason: string, actor: Actor) {
    this.checkChange(id, expectedRevision).throwIfAny();
    const r = validateRemoval("attendee_id", attendeeId, reason);
    return this.change("RemoveAttendee", id, expectedRevision, actor, async (trx, before) => {
      const ctx = this.context(actor, r.reason);
      // The consultation's own mechanism names the two sides that must still attend.
      const mechanism = before.mechanismId ? await repo.mechanismOf(trx, { mechanismId: before.mechanismId }) : undefined;
      const decision = decideRemoveAttendee(before, r.id, mechanism, await this.parties(trx, [], before), ctx);
      return this.kit.apply(trx, consultationStore, before, decision, { actor, reason: r.reason }, expectedRevision, ctx.now);
    });
  }

  async correctOutcome(
    id: string,
    expectedRevision: number,
    input: { outcomeId: string; text: string; reason: string },
    actor: Actor,
  ): Promise<{ consultation: ConsultationView; outcome: Outcome }> {
    this.checkChange(id, expectedRevision).throwIfAny();
    const k = validateCorrection(input.outcomeId, input.text, input.reason);
    const consultation = await this.change("CorrectOutcome", id, expectedRevision, actor, async (trx, before) => {
      const ctx = this.context(actor, k.reason);
      const decision = decideCorrectOutcome(before, k, ctx);
      return this.kit.apply(trx, consultationStore, before, decision, { actor, reason: k.reason }, expectedRevision, ctx.now);
    });
    return { consultation, outcome: consultation.consultation.outcomes.find((o) => o.outcomeId === k.outcomeId.toLowerCase())! };
  }

  async start(id: string, expectedRevision: number, reason: string, actor: Actor) {
    const v = this.checkChange(id, expectedRevision);
    const why = this.reason(v, reason);
    return this.change("StartConsultation", id, expectedRevision, actor, async (trx, before) => {
      const ctx = this.context(actor, why);
      const decision = decideStart(before, ctx);
      return this.kit.apply(trx, consultationStore, before, decision, { actor, reason: why }, expectedRevision, ctx.now);
    });
  }

  async recordOutcome(
    id: string,
    expectedRevision: number,
    input: OutcomeInput,
    /** Credit codes naming the owner and joint owners, beside their ids. */
    creditCodes: { owner: string; jointOwners: readonly string[] },
    actor: Actor,
  ): Promise<{ consultation: ConsultationView; outcome: Outcome }> {
    this.checkChange(id, expectedRevision).throwIfAny();
    const a = input.action;
    if (a) {
      const v = new Violations();
      const owners = [
        ...(a.owner ? [{ path: "action.owner", owner: a.owner, code: creditCodes.owner }] : []),
        ...(a.jointOwners ?? []).map((owner, i) => ({ path: `action.joint_owners[${i}]`, owner, code: creditCodes.jointOwners[i] ?? "" })),
      ];
      const ids = await resolveOrganisationNames(
        this.kit.db,
        v,
        owners.map((o) => ({
          idField: `${o.path}.organisation_id`,
          creditCodeField: `${o.path}.credit_code`,
          organisationId: o.owner.organisationId,
          creditCode: o.code,
        })),
      );
      v.throwIfAny();
      const resolved = owners.map((o, i) => ({ ...o.owner, organisationId: ids[i]! }));
      input = {
        ...input,
        action: {
          ...a,
          owner: a.owner ? resolved[0] : undefined,
          jointOwners: a.owner ? resolved.slice(1) : a.jointOwners,
        },
      };
    }
    const o = validateOutcome(input, { here: this.kit.here, now: this.kit.now() });
    // The outcome's id is stored with the request id's claim: a repeat answers with the same outcome.
    const outcomeId = this.kit.newId();
    return this.kit.change(
      `RecordOutcome:${id}`,
      actor,
      outcomeId,
      async (trx) => {
        const before = this.current(await this.load(trx, id, true), expectedRevision);
        const parties = await this.parties(trx, outcomeRefs(o));
        const ctx = this.context(actor, o.reason);
        const d = decideOutcome(outcomeId, before, o, parties, ctx);
        const saved = await this.kit.apply(
          trx,
          consultationStore,
          before,
          d.consultation,
          { actor, reason: o.reason },
          expectedRevision,
          ctx.now,
        );
        if (d.actionItem) {
          const item = await this.kit.apply(trx, actionItemStore, undefined, d.actionItem, { actor, reason: o.reason }, 0, ctx.now);
          if (item.assigneeJurisdictionCode)
            this.kit.logger.info(
              { action_item_id: item.actionItemId, assignee: item.assigneeJurisdictionCode },
              "action handed to another node",
            );
        }
        // The view reads the tracked items after the new one is saved.
        const consultation = await this.viewOf(trx, saved);
        return { consultation, outcome: saved.outcomes.find((x) => x.outcomeId === outcomeId)! };
      },
      async (outcomeId, trx) => {
        const consultation = await this.view(trx, (await repo.consultationOfOutcome(trx, outcomeId))!);
        return { consultation, outcome: consultation.consultation.outcomes.find((x) => x.outcomeId === outcomeId)! };
      },
    );
  }

  async close(id: string, expectedRevision: number, minutes: string, reason: string, actor: Actor) {
    this.checkChange(id, expectedRevision).throwIfAny();
    const m = validateMinutes(minutes, reason);
    return this.leave("CloseConsultation", id, expectedRevision, m.reason, actor, (before, facts, ctx) =>
      decideClose(before, m.minutes, facts, ctx),
    );
  }

  async cancel(id: string, expectedRevision: number, reason: string, actor: Actor) {
    this.checkChange(id, expectedRevision).throwIfAny();
    const why = validateCancellation(reason);
    return this.leave("CancelConsultation", id, expectedRevision, why, actor, (before, facts, ctx) => decideCancel(before, facts, ctx));
  }

  // ---- agendas received at a district ----

  async getReceivedAgenda(consultationId: string): Promise<ReceivedAgenda> {
    assertUuid(consultationId, "consultation_id");
    const a = await repo.receivedAgenda(this.kit.db, consultationId);
    if (!a) throw new NotFoundError("received agenda", consultationId);
    return a;
  }

  async listReceivedAgendas(
    filter: ReceivedAgendaFilter,
    pageSize: number,
    pageToken: string,
    v = new Violations(),
  ): Promise<{ items: ReceivedAgenda[]; nextPageToken: string; totalSize: number }> {
    const page = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    return this.kit.snapshot((s) => repo.listReceivedAgendas(s, filter, page));
  }

  /** At a district node: the agenda of a municipal consultation concerning it, the newest revision kept. */
  async onAgendaSent(event: ReceivedEvent<liaisonEventsV1.ConsultationAgendaSent>, trx: Knex.Transaction): Promise<void> {
    const from = parseEventSource(event.source)?.node ?? "";
    const now = this.kit.now();
    const consultationId = isUuid(event.data.consultationId) ? event.data.consultationId : "";
    const held = consultationId ? await repo.receivedAgenda(trx, consultationId, true) : undefined;
    const agenda = decideAgendaReceived(held, event.data, { here: this.kit.here, from, now, eventId: event.id });
    if (!agenda) return; // a repeat, or older than what is held
    await repo.saveReceivedAgenda(trx, agenda);
    const by = attributionFromEvent(event.data.audit, from);
    await this.kit.record(
      trx,
      { type: consultationStore.type, id: agenda.consultationId, revision: agenda.revision },
      "ConsultationAgendaReceived",
      by,
      [],
      now,
    );
    this.kit.logger.info(
      { consultation_id: agenda.consultationId, revision: agenda.revision, status: agenda.status },
      "agenda received from the city",
    );
  }

  async get(id: string): Promise<ConsultationView> {
    assertUuid(id, "consultation_id");
    return this.kit.snapshot((s) => this.view(s, id));
  }

  /** `v` may already hold the caller's problems with the request (e.g. unknown enums); all are reported together. */
  async list(
    filter: ConsultationListFilter,
    pageSize: number,
    pageToken: string,
    v = new Violations(),
  ): Promise<{ items: ConsultationView[]; nextPageToken: string; totalSize: number }> {
    if (filter.seriesId !== undefined && !isUuid(filter.seriesId)) v.add("filter.series_id", "must be a UUID");
    if (filter.text !== undefined && [...filter.text].length > CONSULTATION_LIMITS.titleChars)
      v.add("filter.text", `must be at most ${CONSULTATION_LIMITS.titleChars} characters`);
    const page = readPageRequest(v, filter, pageSize, pageToken, timeCursor);
    if (filter.mechanismId !== undefined && !isUuid(filter.mechanismId)) v.add("filter.mechanism_id", "must be a UUID");
    v.throwIfAny();
    // The page and the names it refers to in one snapshot.
    return this.kit.snapshot(async (s) => {
      const r = await repo.list(s, filter, page);
      const names = await findOrganisations(s, r.items.flatMap(idsOf));
      return { ...r, items: r.items.map((consultation) => ({ consultation, actionItems: [], names })) };
    });
  }

  private async view(db: Knex | Knex.Transaction, id: string): Promise<ConsultationView> {
    return this.viewOf(db, await this.load(db, id));
  }

  /** The view of a consultation as loaded or as a change saved it: its action items and names read. */
  private async viewOf(db: Knex | Knex.Transaction, consultation: Consultation): Promise<ConsultationView> {
    const items = await repo.trackedBy(db, consultation.consultationId);
    const names = await findOrganisations(db, [...idsOf(consultation), ...items.flatMap(ownerIdsOf)]);
    return { consultation, actionItems: actionItemViews(items, this.kit.now(), names), names };
  }

  /** Credit codes to registry ids (outside the change's transaction: a read of the registry); violations thrown at once. */
  private async resolve(
    agenda: readonly { item: NamedAgendaItem | undefined; path: string }[],
    attendees: readonly { item: NamedAttendee; path: string }[],
  ) {
    const v = new Violations();
    const named = await resolveConsultationNames(this.kit.db, v, agenda, attendees);
    v.throwIfAny();
    return named;
  }

  // ---- helpers ----

  private async load(db: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<Consultation> {
    const c = await repo.load(db, id, forUpdate);
    if (!c) throw new NotFoundError("consultation", id);
    return c;
  }

  private context(actor: Actor, reason: string): ConsultationContext {
    const now = this.kit.now();
    return { here: this.kit.here, now, newId: () => this.kit.newId(), audit: this.kit.auditMetadata({ actor, reason }, now) };
  }

  /** The request's id and expected revision; further problems are added before throwing. */
  private checkChange(id: string, expectedRevision: number): Violations {
    assertUuid(id, "consultation_id");
    const v = new Violations();
    validateExpectedRevision(v, expectedRevision);
    return v;
  }

  private reason(v: Violations, reason: string): string {
    const why = textField(v, "reason", reason, { max: CONSULTATION_LIMITS.reasonChars });
    v.throwIfAny();
    return why;
  }

  /**
   * The organisations references name, read in the transaction and locked against a concurrent
   * deactivation until it ends, with those the consultation already names (for the agenda sent
   * down to the districts concerned).
   */
  private parties(trx: Knex.Transaction, refs: readonly PartyReference[], c?: Consultation): Promise<Parties> {
    return findOrganisations(trx, [...organisationIdsOf(refs), ...(c ? idsOf(c) : [])], true);
  }

  /**
   * One change of one consultation, read and locked first, answered with its view from the state
   * `apply` saved (its action items and names read as they stand).
   */
  private change(
    method: string,
    id: string,
    expectedRevision: number,
    actor: Actor,
    apply: (trx: Knex.Transaction, before: Consultation) => Promise<Consultation>,
  ): Promise<ConsultationView> {
    return this.kit.change(
      `${method}:${id}`,
      actor,
      id,
      async (trx) => this.viewOf(trx, await apply(trx, this.current(await this.load(trx, id, true), expectedRevision))),
      (cid, trx) => this.view(trx, cid),
    );
  }

  /** A stale revision is refused (ABORTED) before any rule is checked: the caller must re-read first. */
  private current(before: Consultation, expectedRevision: number): Consultation {
    checkExpectedRevision(consultationStore.type, before.consultationId, before.revision, expectedRevision);
    return before;
  }

  /** Closing or cancelling: the series lock first (as scheduling takes it), then the consultation's own. */
  private leave(
    method: string,
    id: string,
    expectedRevision: number,
    reason: string,
    actor: Actor,
    decide: (before: Consultation, facts: LeavingFacts & { parties: Parties }, ctx: ConsultationContext) => ConsultationDecision,
  ): Promise<ConsultationView> {
    return this.kit.change(
      `${method}:${id}`,
      actor,
      id,
      async (trx) => {
        const seriesId = await repo.seriesOf(trx, id);
        if (!seriesId) throw new NotFoundError("consultation", id);
        await repo.lockSeries(trx, seriesId);
        const before = this.current(await this.load(trx, id, true), expectedRevision);
        const facts = {
          series: await repo.seriesMembers(trx, seriesId),
          tracked: await repo.unfinishedTrackedBy(trx, id),
          parties: await findOrganisations(trx, idsOf(before)),
        };
        const ctx = this.context(actor, reason);
        const d = decide(before, facts, ctx);
        const c = await this.applyWithCarryOver(trx, before, d, actor, reason, expectedRevision, ctx.now);
        this.kit.logger.info(
          { consultation_id: id, status: c.status, carried_to: d.carriedOver[0]?.decision.state.consultationId },
          `consultation ${c.status.toLowerCase()}`,
        );
        return this.viewOf(trx, c);
      },
      (cid, trx) => this.view(trx, cid),
    );
  }

  private async applyWithCarryOver(
    trx: Knex.Transaction,
    before: Consultation | undefined,
    d: ConsultationDecision,
    actor: Actor,
    reason: string,
    expectedRevision: number,
    /** The decision's time, so the audit entries and the events agree with the states. */
    at: Date,
  ): Promise<Consultation> {
    const c = await this.kit.apply(trx, consultationStore, before, d.consultation, { actor, reason }, expectedRevision, at);
    for (const { before: item, decision } of d.carriedOver)
      await this.kit.apply(trx, actionItemStore, item, decision, { actor, reason: d.carryReason }, 0, at);
    if (d.carriedOver.length > 0)
      this.kit.logger.info(
        { consultation_id: d.carriedOver[0]!.decision.state.consultationId, items: d.carriedOver.length },
        "action items carried over",
      );
    return c;
  }
}
