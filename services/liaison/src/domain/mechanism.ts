/**
 * Liaison mechanisms (art. 2-3): pure rules, no I/O. A node holds at most one mechanism, between
 * the justice bureau (司法局) and the federation (工商联) of its own jurisdiction, each side with a
 * responsible department. Proposed -> established <-> suspended. The city node rolls up every
 * district's status from the districts' reports. The decisions of every change (state after it,
 * audit action, report to the city) are here; the events' payloads in mechanism-events.ts.
 */
import { CITY_JURISDICTION, DISTRICT_CODES, isDistrictCode } from "@jinlian/kernel";
import {
  AlreadyExistsError,
  checkExpectedRevision,
  FailedPreconditionError,
  InvalidArgumentError,
  Violations,
  type AuditMetadata,
  type Decision,
  type EventToEmit,
  type FieldViolation,
} from "@jinlian/chassis";
import { mechanismStatusReported } from "./mechanism-events";
import type { OrganisationType } from "./registry";

export const MECHANISM_STATUSES = ["PROPOSED", "ESTABLISHED", "SUSPENDED"] as const;
export type MechanismStatus = (typeof MECHANISM_STATUSES)[number];
/** In the roll-up, a jurisdiction that has reported nothing is NONE. */
export type RollUpStatus = MechanismStatus | "NONE";

/** The two sides of a mechanism, named as in the request (justice_bureau / federation). */
export type Side = "justice_bureau" | "federation";
export const SIDE_TYPE: Readonly<Record<Side, OrganisationType>> = Object.freeze({
  justice_bureau: "JUSTICE_BUREAU",
  federation: "FEDERATION",
});

/** One side as stored: the organisation and its responsible department, with snapshots of their names. */
export interface MechanismParty {
  organisationId: string;
  departmentId: string;
  organisation: { creditCode: string; jurisdictionCode: string; name: string };
  departmentName: string;
}

export interface MechanismTransition {
  status: MechanismStatus;
  actor: string;
  reason: string;
  requestId: string;
  /** The node where the change was made. */
  jurisdictionCode: string;
  at: Date;
}

export interface Mechanism {
  mechanismId: string;
  jurisdictionCode: string;
  justiceBureau: MechanismParty;
  federation: MechanismParty;
  status: MechanismStatus;
  /** Time of the latest transition. */
  statusSince: Date;
  /** Set on the first establishment and kept through later suspensions. */
  firstEstablishedAt: Date | null;
  revision: number;
  /** Oldest first. */
  history: MechanismTransition[];
}

/** The parts of a registered organisation the party checks need (the registry's snapshot fits). */
export interface RegisteredOrganisation {
  organisationId: string;
  type: OrganisationType;
  name: string;
  creditCode: string;
  jurisdictionCode: string;
  status: "ACTIVE" | "DEACTIVATED";
  departments: readonly { departmentId: string; name: string }[];
}

export interface PartyCandidate {
  side: Side;
  organisationId: string;
  departmentId: string;
  /** The registry's answer for organisationId; undefined when it is not registered here. */
  registered: RegisteredOrganisation | undefined;
}

const TYPE_WORDS: Readonly<Record<string, string>> = { JUSTICE_BUREAU: "a justice bureau", FEDERATION: "a federation" };

/** Problems of one side as bad input (field violations); a deactivated organisation is not one of them. */
function partyViolations(c: PartyCandidate, here: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  const org = c.registered;
  const field = `${c.side}.organisation_id`;
  if (!org) return [{ field, description: "is not a registered organisation" }];
  const wanted = SIDE_TYPE[c.side];
  if (org.type !== wanted) out.push({ field, description: `must be ${TYPE_WORDS[wanted]} (${wanted}), not ${org.type}` });
  // Art. 2: the bureau and the federation "of the same level", i.e. of this node's jurisdiction.
  if (org.jurisdictionCode !== here)
    out.push({ field, description: `must belong to this node's jurisdiction ${here} (the same level), not ${org.jurisdictionCode}` });
  if (!org.departments.some((d) => d.departmentId === c.departmentId))
    out.push({ field: `${c.side}.department_id`, description: `is not a department of ${org.name}` });
  return out;
}

/**
 * Decides whether the two candidates can form this node's mechanism. Bad parties (unknown,
 * wrong type, wrong jurisdiction, foreign department) are INVALID_ARGUMENT naming the field,
 * all reported at once; a deactivated organisation is FAILED_PRECONDITION. Returns the parties
 * with snapshots of their names.
 */
export function decideParties(here: string, candidates: readonly [PartyCandidate, PartyCandidate]): [MechanismParty, MechanismParty] {
  const violations = candidates.flatMap((c) => partyViolations(c, here));
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  const deactivated = candidates.filter((c) => c.registered!.status !== "ACTIVE");
  if (deactivated.length > 0)
    throw new FailedPreconditionError(
      deactivated.map((c) => ({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${c.organisationId}`,
        description: `${c.registered!.name} (${c.side}) is deactivated and can take no new role`,
      })),
    );
  const party = (c: PartyCandidate): MechanismParty => {
    const org = c.registered!;
    return {
      organisationId: org.organisationId,
      departmentId: c.departmentId,
      organisation: { creditCode: org.creditCode, jurisdictionCode: org.jurisdictionCode, name: org.name },
      departmentName: org.departments.find((d) => d.departmentId === c.departmentId)!.name,
    };
  };
  return [party(candidates[0]), party(candidates[1])];
}

export type MechanismAction = "establish" | "suspend";

const ALLOWED: Readonly<Record<MechanismAction, { from: readonly MechanismStatus[]; to: MechanismStatus }>> = {
  // Establishing starts from a proposal, or re-establishes a suspended mechanism.
  establish: { from: ["PROPOSED", "SUSPENDED"], to: "ESTABLISHED" },
  suspend: { from: ["ESTABLISHED"], to: "SUSPENDED" },
};

/** The status an action leads to, or FAILED_PRECONDITION when it makes no sense from the current one. */
export function nextStatus(mechanismId: string, current: MechanismStatus, action: MechanismAction): MechanismStatus {
  const rule = ALLOWED[action];
  if (!rule.from.includes(current))
    throw new FailedPreconditionError([
      {
        type: "STATE",
        subject: `mechanism/${mechanismId}`,
        description: `cannot ${action} the mechanism: it is ${current.toLowerCase()} (only a ${rule.from
          .map((s) => s.toLowerCase())
          .join(" or ")} mechanism can be ${action === "establish" ? "established" : "suspended"})`,
      },
    ]);
  return rule.to;
}

/** A new mechanism, proposed at `at`. */
export function propose(
  mechanismId: string,
  jurisdictionCode: string,
  parties: [MechanismParty, MechanismParty],
  transition: Omit<MechanismTransition, "status">,
): Mechanism {
  return {
    mechanismId,
    jurisdictionCode,
    justiceBureau: parties[0],
    federation: parties[1],
    status: "PROPOSED",
    statusSince: transition.at,
    firstEstablishedAt: null,
    revision: 1,
    history: [{ ...transition, status: "PROPOSED" }],
  };
}

/** The mechanism after an allowed action: new status since `at`, the first establishment kept, revision + 1. */
export function transition(m: Mechanism, action: MechanismAction, t: Omit<MechanismTransition, "status">): Mechanism {
  const status = nextStatus(m.mechanismId, m.status, action);
  return {
    ...m,
    status,
    statusSince: t.at,
    firstEstablishedAt: m.firstEstablishedAt ?? (status === "ESTABLISHED" ? t.at : null),
    revision: m.revision + 1,
    history: [...m.history, { ...t, status }],
  };
}

/**
 * A mechanism is (re-)established only while both its parties are active in the registry;
 * `registered` holds the registry's answer for the justice bureau, then the federation.
 */
export function assertPartiesActive(
  m: Mechanism,
  registered: readonly [RegisteredOrganisation | undefined, RegisteredOrganisation | undefined],
): void {
  const inactive = [m.justiceBureau, m.federation].filter((_p, i) => registered[i]?.status !== "ACTIVE");
  if (inactive.length > 0)
    throw new FailedPreconditionError(
      inactive.map((p) => ({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${p.organisationId}`,
        description: `cannot establish the mechanism: ${p.organisation.name} has been deactivated`,
      })),
    );
}

/** Suspending needs a reason (the contract's convention); establishing and proposing may give one. */
export function validateReason(v: Violations, reason: string, action: MechanismAction | "propose", max: number): string {
  const r = reason.trim();
  if (action === "suspend" && r.length === 0) v.add("reason", "is required to suspend a mechanism");
  else if ([...r].length > max) v.add("reason", `must be at most ${max} characters`);
  return r;
}

// ---- roll-up at the city ----

/** What the city knows of one jurisdiction's mechanism: its own, or the latest report of a district. */
export interface RollUpEntry {
  jurisdictionCode: string;
  mechanismId: string;
  status: MechanismStatus;
  statusSince: Date;
  firstEstablishedAt: Date | null;
  revision: number;
  justiceBureau: MechanismParty;
  federation: MechanismParty;
  /** When the report arrived (districts) or the change was made (the city). */
  reportedAt: Date;
}

export interface RollUpRow {
  jurisdictionCode: string;
  status: RollUpStatus;
  entry?: RollUpEntry;
}

export interface RollUp {
  rows: RollUpRow[];
  districtsEstablished: number;
  districtsWithout: number;
}

export function rollUpEntryOf(m: Mechanism, reportedAt: Date): RollUpEntry {
  return {
    jurisdictionCode: m.jurisdictionCode,
    mechanismId: m.mechanismId,
    status: m.status,
    statusSince: m.statusSince,
    firstEstablishedAt: m.firstEstablishedAt,
    revision: m.revision,
    justiceBureau: m.justiceBureau,
    federation: m.federation,
    reportedAt,
  };
}

/**
 * The roll-up as seen from a node. At the city: the city first, then the 16 districts in code
 * order, NONE where nothing was reported; the counts cover all 16 districts whatever the filter.
 * A district node knows only itself: its own row, and no counts.
 */
export function rollUp(here: string, entries: readonly RollUpEntry[], filter?: RollUpStatus): RollUp {
  const byCode = new Map(entries.map((e) => [e.jurisdictionCode, e]));
  const codes = here === CITY_JURISDICTION ? [CITY_JURISDICTION, ...DISTRICT_CODES] : [here];
  const all: RollUpRow[] = codes.map((code) => {
    const entry = byCode.get(code);
    return entry ? { jurisdictionCode: code, status: entry.status, entry } : { jurisdictionCode: code, status: "NONE" };
  });
  const districtsEstablished =
    here === CITY_JURISDICTION ? all.filter((r) => isDistrictCode(r.jurisdictionCode) && r.status === "ESTABLISHED").length : 0;
  return {
    rows: filter ? all.filter((r) => r.status === filter) : all,
    districtsEstablished,
    districtsWithout: here === CITY_JURISDICTION ? DISTRICT_CODES.length - districtsEstablished : 0,
  };
}

/**
 * Checks a district's status report as the city receives it: only the city takes reports, and a
 * district reports its own mechanism (reported jurisdiction = the mechanism's). That the reported
 * jurisdiction is the sending node is checked by the chassis before this runs (reportsFor).
 * Returns the violations; empty when the report may be applied.
 */
export function reportViolations(
  here: string,
  report: { jurisdictionCode: string; mechanismJurisdictionCode: string | undefined },
): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (here !== CITY_JURISDICTION) out.push({ field: "source", description: `mechanism reports go to the city, not to ${here}` });
  if (!isDistrictCode(report.jurisdictionCode))
    out.push({ field: "data.jurisdiction_code", description: `${report.jurisdictionCode} is not a district` });
  if (report.mechanismJurisdictionCode !== report.jurisdictionCode)
    out.push({
      field: "data.mechanism.jurisdiction_code",
      description: `${report.mechanismJurisdictionCode ?? "(none)"} is not the reported jurisdiction ${report.jurisdictionCode}`,
    });
  return out;
}

/** A report supersedes what the city holds only with a higher revision (repeats and stale reports change nothing). */
export function supersedes(held: { revision: number } | undefined, incomingRevision: number): boolean {
  return held === undefined || incomingRevision > held.revision;
}

// ---- decisions ----

/** One side of a proposal as the caller names it. */
export interface PartyRequest {
  organisationId: string;
  departmentId: string;
}

/** What a mechanism decision needs besides the state and the command: the node, time, ids, the audit. */
export interface MechanismContext {
  readonly here: string;
  readonly now: Date;
  readonly newId: () => string;
  /** Who, why, when: recorded in the history and carried by the report. */
  readonly audit: AuditMetadata;
}

export const MECHANISM_RPC: Readonly<Record<MechanismAction, string>> = { establish: "EstablishMechanism", suspend: "SuspendMechanism" };

export function mechanismAlreadyExists(here: string, existing: string): AlreadyExistsError {
  return new AlreadyExistsError("mechanism", existing, `this node (${here}) already has a liaison mechanism: ${existing}`);
}

function transitionBy(ctx: MechanismContext): Omit<MechanismTransition, "status"> {
  const a = ctx.audit;
  return { actor: a.actor, reason: a.reason, requestId: a.requestId, jurisdictionCode: ctx.here, at: ctx.now };
}

/** A district reports every change up to the city; the city rolls up its own mechanism itself (ownRollUpEntry). */
function reported(m: Mechanism, ctx: MechanismContext): EventToEmit[] {
  return isDistrictCode(ctx.here) ? [mechanismStatusReported(m, ctx.here, ctx.audit)] : [];
}

/**
 * Proposes this node's mechanism, under `mechanismId` (drawn by the caller, so a retried request
 * finds it), between the two candidates (see decideParties), unless the node has one already
 * (`existing`: its id).
 */
export function decideProposal(
  mechanismId: string,
  candidates: readonly [PartyCandidate, PartyCandidate],
  existing: string | undefined,
  ctx: MechanismContext,
): Decision<Mechanism> {
  const parties = decideParties(ctx.here, candidates);
  if (existing !== undefined) throw mechanismAlreadyExists(ctx.here, existing);
  const m = propose(mechanismId, ctx.here, parties, transitionBy(ctx));
  return { state: m, action: "ProposeMechanism", events: reported(m, ctx) };
}

/**
 * Establishes or suspends a mechanism: a stale revision is ABORTED, a transition the status does
 * not allow FAILED_PRECONDITION, and establishing needs both parties active in the registry
 * (`registered`: the registry's answer for the justice bureau, then the federation).
 */
export function decideMechanismChange(
  m: Mechanism,
  cmd:
    | { action: "establish"; registered: readonly [RegisteredOrganisation | undefined, RegisteredOrganisation | undefined] }
    | { action: "suspend" },
  expectedRevision: number,
  ctx: MechanismContext,
): Decision<Mechanism> {
  checkExpectedRevision("mechanism", m.mechanismId, m.revision, expectedRevision);
  const next = transition(m, cmd.action, transitionBy(ctx));
  if (cmd.action === "establish") assertPartiesActive(m, cmd.registered);
  return { state: next, action: MECHANISM_RPC[cmd.action], events: reported(next, ctx) };
}

/** At the city, a change of its own mechanism is its row in the roll-up; a district's arrives as reports. */
export function ownRollUpEntry(here: string, m: Mechanism): RollUpEntry | undefined {
  return here === CITY_JURISDICTION ? rollUpEntryOf(m, m.statusSince) : undefined;
}
