/**
 * Cross-district cases: a committee of the case's district (the owner) asks a committee of another
 * district (the partner) to cooperate on the case. Pure rules.
 *
 * Districts have no link to each other (the star): every message goes up to the city, which
 * keeps where the cooperation stands (role RELAY) and passes the same payload down to the other
 * district. The owner's node keeps the case. What crosses is only what the partner needs: the
 * case id and kind, both committees, the organisation parties (credit code, name, role) and how
 * many parties are persons, the summary the owner writes for the partner and a note; back come
 * the answer, the partner committee's name, and the partner's session records for the owner's
 * case file (人民调解法 art. 27); at the end the case's final status. Persons' details, the case's
 * own summary, its mediators, sessions, agreement and the actors never cross.
 */
import {
  checkExpectedRevision,
  emit,
  FailedPreconditionError,
  InvalidArgumentError,
  isUuid,
  mediationEvents,
  textField,
  toNode,
  Violations,
  type DecisionWithRevision,
  type EventToEmit,
} from "@jinlian/chassis";
import { CITY_JURISDICTION, isDistrictCode } from "@jinlian/kernel";
import type { mediationEventsV1, mediationV1 } from "@jinlian/proto";
import { FINAL_STATUSES, type Case, type CaseKind, type CaseStatus, type PartyRole } from "./case";
import { creditCodeField, pastTime, type DecisionContext, type OrgRef } from "./common";

export type CooperationRole = "OWNER" | "PARTNER" | "RELAY";
export type CooperationStatus = "REQUESTED" | "ACCEPTED" | "DECLINED" | "CLOSED";

export interface CooperationSession {
  sessionId: string;
  heldAt: Date;
  place: string;
  record: string;
}

export interface Cooperation {
  cooperationId: string;
  role: CooperationRole;
  caseId: string;
  ownerJurisdictionCode: string;
  ownerCommittee: OrgRef;
  partnerJurisdictionCode: string;
  partnerCommittee: OrgRef;
  /** At the partner's node: its committee's id there; "" elsewhere. */
  partnerCommitteeId: string;
  kind: CaseKind;
  parties: { role: PartyRole; organisation: OrgRef }[];
  personParties: number;
  sharedSummary: string;
  requestNote: string;
  status: CooperationStatus;
  answerNote: string;
  sessions: CooperationSession[];
  caseOutcome: CaseStatus | "";
  requestedAt: Date;
  answeredAt: Date | null;
  closedAt: Date | null;
  revision: number;
}

/** The codecs the events need, given by the transport (the domain holds names, events numbers). */
export interface CooperationCodecs {
  kindToProto(k: CaseKind): mediationV1.CaseKind;
  kindFromProto(n: number): CaseKind | undefined;
  roleToProto(r: PartyRole): mediationV1.PartyRole;
  roleFromProto(n: number): PartyRole | undefined;
  statusToProto(s: CaseStatus): mediationV1.CaseStatus;
  statusFromProto(n: number): CaseStatus | undefined;
}

const open = (c: Cooperation) => c.status === "REQUESTED" || c.status === "ACCEPTED";
const precondition = (c: Cooperation, type: string, description: string) =>
  new FailedPreconditionError([{ type, subject: `cooperation/${c.cooperationId}`, description }]);

// ---- the owner's district ----

export interface RequestInput {
  partnerJurisdictionCode: string;
  partnerCommitteeCreditCode: string;
  sharedSummary: string;
  requestNote: string;
}

export function checkRequest(input: RequestInput, here: string): RequestInput {
  const v = new Violations();
  const partner = input.partnerJurisdictionCode.trim();
  if (!partner) v.add("partner_jurisdiction_code", "is required");
  else if (!isDistrictCode(partner)) v.add("partner_jurisdiction_code", "must be one of the 16 district codes of Tianjin");
  else if (partner === here)
    v.add("partner_jurisdiction_code", "must be another district than this node's: a committee here needs no cooperation");
  const code = creditCodeField(v, "partner_committee_credit_code", input.partnerCommitteeCreditCode);
  const sharedSummary = textField(v, "shared_summary", input.sharedSummary, { required: true, max: 2000 });
  const requestNote = textField(v, "request_note", input.requestNote, { max: 500 });
  v.throwIfAny();
  return { partnerJurisdictionCode: partner, partnerCommitteeCreditCode: code, sharedSummary, requestNote };
}

/** The owner asks; the request goes up to the city, which passes it on. */
export function decideRequest(
  cooperationId: string,
  c: Case,
  input: RequestInput,
  openCooperation: Cooperation | undefined,
  expectedRevision: number,
  codecs: CooperationCodecs,
  ctx: DecisionContext,
): DecisionWithRevision<Cooperation> {
  checkExpectedRevision("case", c.caseId, c.revision, expectedRevision);
  if (ctx.here === CITY_JURISDICTION || !isDistrictCode(ctx.here))
    throw new FailedPreconditionError([
      {
        type: "DISTRICTS_ONLY",
        subject: `node/${ctx.here}`,
        description: "cross-district cooperation is between the committees of two districts",
      },
    ]);
  if (FINAL_STATUSES.includes(c.status))
    throw new FailedPreconditionError([
      { type: "CASE_STATE", subject: `case/${c.caseId}`, description: `the case is ${c.status.toLowerCase().replace(/_/g, " ")}` },
    ]);
  if (openCooperation)
    throw new FailedPreconditionError([
      {
        type: "COOPERATION_OPEN",
        subject: `cooperation/${openCooperation.cooperationId}`,
        description: `the case has a cooperation with ${openCooperation.partnerJurisdictionCode} ${openCooperation.status.toLowerCase()} already`,
      },
    ]);
  const coop: Cooperation = {
    cooperationId,
    role: "OWNER",
    caseId: c.caseId,
    ownerJurisdictionCode: ctx.here,
    ownerCommittee: c.committee,
    partnerJurisdictionCode: input.partnerJurisdictionCode,
    partnerCommittee: { creditCode: input.partnerCommitteeCreditCode, jurisdictionCode: input.partnerJurisdictionCode, name: "" },
    partnerCommitteeId: "",
    kind: c.kind,
    parties: c.parties.flatMap((p) => (p.organisation ? [{ role: p.role, organisation: p.organisation }] : [])),
    personParties: c.parties.filter((p) => !p.organisation).length,
    sharedSummary: input.sharedSummary,
    requestNote: input.requestNote,
    status: "REQUESTED",
    answerNote: "",
    sessions: [],
    caseOutcome: "",
    requestedAt: ctx.now,
    answeredAt: null,
    closedAt: null,
    revision: 1,
  };
  return {
    state: coop,
    action: "RequestCooperation",
    events: [emit(mediationEvents.cooperationRequested, coop.cooperationId, requestedPayload(coop, codecs), [toNode(CITY_JURISDICTION)])],
  };
}

export function requestedPayload(c: Cooperation, codecs: CooperationCodecs): mediationEventsV1.CooperationRequested {
  return {
    cooperationId: c.cooperationId,
    caseId: c.caseId,
    ownerJurisdictionCode: c.ownerJurisdictionCode,
    ownerCommittee: c.ownerCommittee,
    partnerJurisdictionCode: c.partnerJurisdictionCode,
    partnerCommitteeCreditCode: c.partnerCommittee.creditCode,
    kind: codecs.kindToProto(c.kind),
    parties: c.parties.map((p) => ({ role: codecs.roleToProto(p.role), organisation: p.organisation })),
    personParties: c.personParties,
    sharedSummary: c.sharedSummary,
    requestNote: c.requestNote,
    requestTime: c.requestedAt,
  };
}

/** The owner's case reached a final status: the open cooperation closes and the partner is told. */
export function decideOwnerClose(
  coop: Cooperation,
  c: Case,
  codecs: CooperationCodecs,
  now: Date,
): DecisionWithRevision<Cooperation> | undefined {
  if (coop.role !== "OWNER" || !open(coop) || !FINAL_STATUSES.includes(c.status)) return undefined;
  const state: Cooperation = { ...coop, status: "CLOSED", caseOutcome: c.status, closedAt: now };
  return {
    state,
    action: "CloseCooperation",
    events: [
      emit(
        mediationEvents.cooperationClosed,
        coop.cooperationId,
        {
          cooperationId: coop.cooperationId,
          ownerJurisdictionCode: coop.ownerJurisdictionCode,
          partnerJurisdictionCode: coop.partnerJurisdictionCode,
          caseOutcome: codecs.statusToProto(c.status),
          closeTime: now,
        },
        [toNode(CITY_JURISDICTION)],
      ),
    ],
  };
}

/** At the owner: the partner's answer. A repeated or late answer changes nothing. */
export function decideOwnerAnswered(
  coop: Cooperation,
  d: mediationEventsV1.CooperationAnswered,
): DecisionWithRevision<Cooperation> | undefined {
  if (coop.status !== "REQUESTED") return undefined;
  const partner = d.partnerCommittee;
  return {
    state: {
      ...coop,
      status: d.accepted ? "ACCEPTED" : "DECLINED",
      answerNote: d.answerNote,
      answeredAt: d.answerTime ?? null,
      partnerCommittee: partner?.name
        ? { creditCode: partner.creditCode, jurisdictionCode: partner.jurisdictionCode, name: partner.name }
        : coop.partnerCommittee,
    },
    action: "CooperationAnswered",
    events: [],
  };
}

/** A session the partner reported, kept with the cooperation (and added to the case file by the app). */
export function decideSessionArrived(coop: Cooperation, s: CooperationSession): DecisionWithRevision<Cooperation> | undefined {
  if (coop.sessions.some((x) => x.sessionId === s.sessionId)) return undefined;
  return { state: { ...coop, sessions: [...coop.sessions, s] }, action: "CooperationSessionReported", events: [] };
}

// ---- the partner's district ----

/** At the partner: a request arrived. A committee not registered here is declined at once. */
export function decidePartnerReceived(
  d: mediationEventsV1.CooperationRequested,
  committee: { committeeId: string; committee: OrgRef } | undefined,
  codecs: CooperationCodecs,
  ctx: DecisionContext,
): DecisionWithRevision<Cooperation> {
  const coop: Cooperation = {
    cooperationId: d.cooperationId,
    role: "PARTNER",
    caseId: d.caseId,
    ownerJurisdictionCode: d.ownerJurisdictionCode,
    ownerCommittee: org(d.ownerCommittee),
    partnerJurisdictionCode: d.partnerJurisdictionCode,
    partnerCommittee: committee?.committee ?? {
      creditCode: d.partnerCommitteeCreditCode,
      jurisdictionCode: d.partnerJurisdictionCode,
      name: "",
    },
    partnerCommitteeId: committee?.committeeId ?? "",
    kind: codecs.kindFromProto(d.kind) ?? "PEOPLES",
    parties: d.parties.map((p) => ({ role: codecs.roleFromProto(p.role) ?? "RESPONDENT", organisation: org(p.organisation) })),
    personParties: d.personParties,
    sharedSummary: d.sharedSummary,
    requestNote: d.requestNote,
    status: "REQUESTED",
    answerNote: "",
    sessions: [],
    caseOutcome: "",
    requestedAt: d.requestTime ?? ctx.now,
    answeredAt: null,
    closedAt: null,
    revision: 1,
  };
  if (committee) return { state: coop, action: "CooperationRequested", events: [] };
  const note = `${d.partnerCommitteeCreditCode} is not a committee registered with mediation at ${d.partnerJurisdictionCode}`;
  const declined = { ...coop, status: "DECLINED" as const, answerNote: note, answeredAt: ctx.now };
  return { state: declined, action: "CooperationRequested", events: [answeredEvent(declined)] };
}

function answeredEvent(c: Cooperation): EventToEmit {
  return emit(
    mediationEvents.cooperationAnswered,
    c.cooperationId,
    {
      cooperationId: c.cooperationId,
      ownerJurisdictionCode: c.ownerJurisdictionCode,
      partnerJurisdictionCode: c.partnerJurisdictionCode,
      accepted: c.status === "ACCEPTED",
      partnerCommittee: c.partnerCommittee,
      answerNote: c.answerNote,
      answerTime: c.answeredAt ?? undefined,
    },
    [toNode(CITY_JURISDICTION)],
  );
}

function assertRole(c: Cooperation, role: CooperationRole, what: string): void {
  if (c.role !== role)
    throw precondition(
      c,
      "COOPERATION_ROLE",
      `only the ${role.toLowerCase()}'s node can ${what}; this node is the ${c.role.toLowerCase()}`,
    );
}

export function decideAnswer(
  c: Cooperation,
  input: { accept: boolean; answerNote: string },
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Cooperation> {
  const v = new Violations();
  const note = textField(v, "answer_note", input.answerNote, { required: !input.accept, max: 500 });
  v.throwIfAny();
  checkExpectedRevision("cooperation", c.cooperationId, c.revision, expectedRevision);
  assertRole(c, "PARTNER", "answer a cooperation request");
  if (c.status !== "REQUESTED") throw precondition(c, "COOPERATION_STATE", `the cooperation is ${c.status.toLowerCase()} already`);
  const state: Cooperation = { ...c, status: input.accept ? "ACCEPTED" : "DECLINED", answerNote: note, answeredAt: ctx.now };
  return { state, action: "AnswerCooperation", events: [answeredEvent(state)] };
}

export function decideReportSession(
  c: Cooperation,
  input: { heldAt: Date | undefined; place: string; record: string },
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Cooperation> {
  const v = new Violations();
  const heldAt = pastTime(v, "held_time", input.heldAt, ctx.now);
  const place = textField(v, "place", input.place, { max: 200 });
  const record = textField(v, "record", input.record, { required: true, max: 5000 });
  v.throwIfAny();
  checkExpectedRevision("cooperation", c.cooperationId, c.revision, expectedRevision);
  assertRole(c, "PARTNER", "report a partner's session");
  if (c.status !== "ACCEPTED")
    throw precondition(c, "COOPERATION_STATE", `sessions are reported while the cooperation is accepted; it is ${c.status.toLowerCase()}`);
  if (c.sessions.length >= 200) throw precondition(c, "CASE_FILE_FULL", "at most 200 sessions");
  const session: CooperationSession = { sessionId: ctx.newId(), heldAt, place, record };
  return {
    state: { ...c, sessions: [...c.sessions, session] },
    action: "ReportCooperationSession",
    events: [
      emit(
        mediationEvents.cooperationSessionReported,
        c.cooperationId,
        {
          cooperationId: c.cooperationId,
          ownerJurisdictionCode: c.ownerJurisdictionCode,
          partnerJurisdictionCode: c.partnerJurisdictionCode,
          session: { sessionId: session.sessionId, heldTime: heldAt, place, record },
        },
        [toNode(CITY_JURISDICTION)],
      ),
    ],
  };
}

/** At the partner: the owner's case ended. */
export function decidePartnerClosed(
  c: Cooperation,
  outcome: CaseStatus | undefined,
  closedAt: Date,
): DecisionWithRevision<Cooperation> | undefined {
  if (c.status === "CLOSED") return undefined;
  return { state: { ...c, status: "CLOSED", caseOutcome: outcome ?? "", closedAt }, action: "CooperationClosed", events: [] };
}

// ---- the city ----

export type CooperationMessage =
  | { type: "requested"; data: mediationEventsV1.CooperationRequested }
  | { type: "answered"; data: mediationEventsV1.CooperationAnswered }
  | { type: "session"; data: mediationEventsV1.CooperationSessionReported }
  | { type: "closed"; data: mediationEventsV1.CooperationClosed };

const DESCRIPTORS = {
  requested: mediationEvents.cooperationRequested,
  answered: mediationEvents.cooperationAnswered,
  session: mediationEvents.cooperationSessionReported,
  closed: mediationEvents.cooperationClosed,
} as const;

/**
 * At the city: keeps where the cooperation stands and passes the same payload on to the other
 * district (the request and the close to the partner, the answer and sessions to the owner).
 */
export function decideRelay(
  relay: Cooperation | undefined,
  m: CooperationMessage,
  codecs: CooperationCodecs,
  ctx: DecisionContext,
): DecisionWithRevision<Cooperation> {
  const d = m.data;
  const to = m.type === "requested" || m.type === "closed" ? d.partnerJurisdictionCode : d.ownerJurisdictionCode;
  const pass = emit(DESCRIPTORS[m.type] as typeof mediationEvents.cooperationRequested, d.cooperationId, d as never, [toNode(to)]);
  if (m.type === "requested") {
    if (relay) return { state: relay, action: "CooperationRelayed", events: [] }; // passed on already
    const base = decidePartnerReceived(m.data, undefined, codecs, ctx).state;
    const state: Cooperation = {
      ...base,
      role: "RELAY",
      status: "REQUESTED",
      answerNote: "",
      answeredAt: null,
      sharedSummary: "",
      requestNote: "",
    };
    return { state, action: "CooperationRelayed", events: [pass] };
  }
  if (!relay) throw new InvalidArgumentError([{ field: "data.cooperation_id", description: "is not a cooperation the city passed on" }]);
  let state = relay;
  if (m.type === "answered" && relay.status === "REQUESTED")
    state = {
      ...relay,
      status: m.data.accepted ? "ACCEPTED" : "DECLINED",
      answeredAt: m.data.answerTime ?? ctx.now,
      partnerCommittee: org(m.data.partnerCommittee),
    };
  if (m.type === "session" && m.data.session && !relay.sessions.some((s) => s.sessionId === m.data.session!.sessionId))
    // The city keeps that a session was held and when, not its record.
    state = {
      ...relay,
      sessions: [
        ...relay.sessions,
        { sessionId: m.data.session.sessionId, heldAt: m.data.session.heldTime ?? ctx.now, place: "", record: "" },
      ],
    };
  if (m.type === "closed" && relay.status !== "CLOSED")
    state = {
      ...relay,
      status: "CLOSED",
      caseOutcome: codecs.statusFromProto(m.data.caseOutcome) ?? "",
      closedAt: m.data.closeTime ?? ctx.now,
    };
  return { state, action: "CooperationRelayed", events: [pass] };
}

/** The inbound checks of a cooperation message at a node (the fields the relay and the districts read). */
export function cooperationViolations(d: {
  cooperationId: string;
  ownerJurisdictionCode: string;
  partnerJurisdictionCode: string;
}): { field: string; description: string }[] {
  const out: { field: string; description: string }[] = [];
  if (!isUuid(d.cooperationId)) out.push({ field: "data.cooperation_id", description: "must be a UUID" });
  if (!isDistrictCode(d.ownerJurisdictionCode)) out.push({ field: "data.owner_jurisdiction_code", description: "must be a district code" });
  if (!isDistrictCode(d.partnerJurisdictionCode))
    out.push({ field: "data.partner_jurisdiction_code", description: "must be a district code" });
  else if (d.partnerJurisdictionCode === d.ownerJurisdictionCode)
    out.push({ field: "data.partner_jurisdiction_code", description: "must differ from the owner's district" });
  return out;
}

const org = (o: { creditCode: string; jurisdictionCode: string; name: string } | undefined): OrgRef =>
  o ? { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name } : { creditCode: "", jurisdictionCode: "", name: "" };
