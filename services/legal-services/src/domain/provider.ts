/**
 * Providers of legal services (art. 9-12, 15-16): pure rules, no I/O. Organisations are named by
 * credit code and must be of the right type in the node's registry projection; lawyers by licence
 * number (17 digits); arbitrators by their commission and roster number; rights-protection
 * service points by their chamber. Company and public-sector lawyers serve their employer only.
 */
import {
  checkExpectedRevision,
  FailedPreconditionError,
  InvalidArgumentError,
  Violations,
  type DecisionWithRevision,
} from "@jinlian/chassis";
import { isJurisdictionCode, type OrganisationType } from "@jinlian/kernel";
import {
  creditCodeField,
  isLanguage,
  jurisdictionField,
  type DecisionContext,
  type LawyerKind,
  type OrgRef,
  type ProviderKind,
  type ProviderStatus,
  type Specialty,
} from "./common";
import { providerRegistered, providerStatusChanged, providerUpdated } from "./provider-events";

export interface ProviderProfile {
  specialties: Specialty[];
  languages: string[];
  /** A district code or "120000" (city-wide). */
  districtCode: string;
  capacity: number;
  rating: number;
  /** Clients in open matters outside this service (declared). */
  clients: OrgRef[];
}

export interface AdviserAppointment {
  appointmentId: string;
  chamber: OrgRef;
  startAt: Date;
  endAt: Date;
  endedAt: Date | null;
  endReason: string;
}

export interface Provider {
  providerId: string;
  kind: ProviderKind;
  name: string;
  /** Unique per identity: organisation by kind and credit code, lawyer by licence, arbitrator by roster. */
  identityKey: string;
  organisation: OrgRef | null;
  licenceNumber: string;
  lawyerKind: LawyerKind | null;
  firm: OrgRef | null;
  /** The firm's provider id (practising lawyers). */
  firmProviderId: string | null;
  employer: OrgRef | null;
  commission: OrgRef | null;
  rosterNumber: string;
  chamber: OrgRef | null;
  profile: ProviderProfile;
  status: ProviderStatus;
  appointments: AdviserAppointment[];
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The registry types an organisational provider's credit code must have. */
export const ORGANISATION_TYPE_OF: Partial<Record<ProviderKind, OrganisationType>> = {
  LAW_FIRM: "LAW_FIRM",
  NOTARY_OFFICE: "NOTARY_OFFICE",
  ARBITRATION_COMMISSION: "ARBITRATION_COMMISSION",
  LEGAL_SERVICE_CENTER: "LEGAL_SERVICE_CENTER",
};

export const LIMITS = Object.freeze({ name: 100, languages: 10, clients: 200, capacity: 1000, appointments: 50 });

const LICENCE = /^\d{17}$/;
const ROSTER = /^[A-Za-z0-9-]{1,32}$/;

/** What a registration names, read and checked for shape (no registry yet). */
export interface RegistrationInput {
  kind: ProviderKind | undefined;
  name: string;
  organisationCreditCode: string;
  licenceNumber: string;
  lawyerKind: LawyerKind | undefined;
  firmCreditCode: string;
  employerCreditCode: string;
  commissionCreditCode: string;
  rosterNumber: string;
  chamberCreditCode: string;
  profile: ProfileInput | undefined;
}

export interface ProfileInput {
  specialties: (Specialty | undefined)[];
  languages: string[];
  districtCode: string;
  capacity: number;
  rating: number;
  clientCreditCodes: string[];
}

/** Checks a profile; violations are named under `at` (e.g. "profile."). Returns it normalised (clients as codes). */
export function checkProfile(
  v: Violations,
  at: string,
  p: ProfileInput | undefined,
  required = true,
): Omit<ProviderProfile, "clients"> & { clientCodes: string[] } {
  if (!p) {
    // A registration without a profile takes none (no specialties, capacity 0: never matched).
    if (required) v.add(at.replace(/\.$/, ""), "is required");
    return { specialties: [], languages: [], districtCode: "", capacity: 0, rating: 0, clientCodes: [] };
  }
  p.specialties.forEach((s, i) => {
    if (s === undefined) v.add(`${at}specialties[${i}]`, "is not a specialty of the taxonomy");
  });
  const languages = p.languages.map((l) => l.trim().toLowerCase());
  if (languages.length > LIMITS.languages) v.add(`${at}languages`, `must list at most ${LIMITS.languages}`);
  languages.forEach((l, i) => {
    if (!isLanguage(l)) v.add(`${at}languages[${i}]`, "must be an ISO 639 code such as zh, en, ja");
  });
  const districtCode = jurisdictionField(v, `${at}district_code`, p.districtCode, false);
  if (!Number.isInteger(p.capacity) || p.capacity < 0 || p.capacity > LIMITS.capacity)
    v.add(`${at}capacity`, `must be 0-${LIMITS.capacity}`);
  if (!(p.rating >= 0 && p.rating <= 5)) v.add(`${at}rating`, "must be 0-5");
  if (p.clientCreditCodes.length > LIMITS.clients) v.add(`${at}client_credit_codes`, `must list at most ${LIMITS.clients}`);
  const clientCodes = p.clientCreditCodes.map((c, i) => creditCodeField(v, `${at}client_credit_codes[${i}]`, c));
  return {
    specialties: [...new Set(p.specialties.filter((s): s is Specialty => s !== undefined))].sort(),
    languages: [...new Set(languages)].sort(),
    districtCode,
    capacity: p.capacity,
    rating: Math.round(p.rating * 100) / 100,
    clientCodes: [...new Set(clientCodes)],
  };
}

/** A registration checked for shape: what the app must look up in the registry and among providers. */
export interface CheckedRegistration {
  kind: ProviderKind;
  name: string;
  organisationCreditCode: string;
  licenceNumber: string;
  lawyerKind: LawyerKind | null;
  firmCreditCode: string;
  employerCreditCode: string;
  commissionCreditCode: string;
  rosterNumber: string;
  chamberCreditCode: string;
  profile: ReturnType<typeof checkProfile>;
  identityKey: string;
}

/** Checks a registration's fields for its kind; INVALID_ARGUMENT naming each bad field. */
export function checkRegistration(input: RegistrationInput): CheckedRegistration {
  const v = new Violations();
  const kind = input.kind;
  if (!kind) v.add("kind", "is required");
  const name = input.name.trim();
  const organisational = kind !== undefined && ORGANISATION_TYPE_OF[kind] !== undefined;
  const needsName = kind === "LAWYER" || kind === "ARBITRATOR" || kind === "RIGHTS_PROTECTION_POINT";
  if (needsName && name.length === 0) v.add("name", "is required");
  if ([...name].length > LIMITS.name) v.add("name", `must be at most ${LIMITS.name} characters`);
  const org = creditCodeField(v, "organisation_credit_code", input.organisationCreditCode, organisational);
  if (!organisational && org) v.add("organisation_credit_code", `is only for organisations (law firm, notary office, commission, centre)`);
  const licence = input.licenceNumber.trim();
  let lawyerKind: LawyerKind | null = null;
  let firm = "";
  let employer = "";
  if (kind === "LAWYER") {
    if (!LICENCE.test(licence)) v.add("licence_number", "must be the 17-digit licence number (执业证号)");
    if (!input.lawyerKind) v.add("lawyer_kind", "is required for a lawyer");
    lawyerKind = input.lawyerKind ?? null;
    firm = creditCodeField(v, "firm_credit_code", input.firmCreditCode, lawyerKind === "PRACTISING");
    employer = creditCodeField(
      v,
      "employer_credit_code",
      input.employerCreditCode,
      lawyerKind === "COMPANY" || lawyerKind === "PUBLIC_SECTOR",
    );
    if (lawyerKind === "PRACTISING" && employer) v.add("employer_credit_code", "is for company and public-sector lawyers");
    if (lawyerKind !== "PRACTISING" && lawyerKind !== null && firm)
      v.add("firm_credit_code", "is for practising lawyers; company and public-sector lawyers name their employer");
  } else {
    if (licence) v.add("licence_number", "is for lawyers");
    if (input.lawyerKind) v.add("lawyer_kind", "is for lawyers");
    if (input.firmCreditCode.trim()) v.add("firm_credit_code", "is for practising lawyers");
    if (input.employerCreditCode.trim()) v.add("employer_credit_code", "is for company and public-sector lawyers");
  }
  const commission = creditCodeField(v, "commission_credit_code", input.commissionCreditCode, kind === "ARBITRATOR");
  const roster = input.rosterNumber.trim();
  if (kind === "ARBITRATOR" && !ROSTER.test(roster)) v.add("roster_number", "is required: 1-32 letters, digits or -");
  if (kind !== "ARBITRATOR" && (commission || roster)) v.add(commission ? "commission_credit_code" : "roster_number", "is for arbitrators");
  const chamber = creditCodeField(v, "chamber_credit_code", input.chamberCreditCode, kind === "RIGHTS_PROTECTION_POINT");
  if (kind !== "RIGHTS_PROTECTION_POINT" && chamber) v.add("chamber_credit_code", "is for rights-protection service points");
  const profile = checkProfile(v, "profile.", input.profile, false);
  v.throwIfAny();
  const k = kind!;
  const identityKey =
    k === "LAWYER"
      ? `lawyer:${licence}`
      : k === "ARBITRATOR"
        ? `arbitrator:${commission}:${roster}`
        : k === "RIGHTS_PROTECTION_POINT"
          ? `point:${chamber}`
          : `org:${k}:${org}`;
  return {
    kind: k,
    name,
    organisationCreditCode: org,
    licenceNumber: licence,
    lawyerKind,
    firmCreditCode: firm,
    employerCreditCode: employer,
    commissionCreditCode: commission,
    rosterNumber: roster,
    chamberCreditCode: chamber,
    profile,
    identityKey,
  };
}

/** An organisation as the registry projection knows it. */
export interface RegistryOrganisation extends OrgRef {
  type: OrganisationType;
  active: boolean;
  /** GB/T 4754 section of an enterprise or chamber, "" when none is recorded. */
  industrySection: string;
  /** A mediation committee's chamber, by credit code. */
  chamberCreditCode: string;
}

/** What the app found for the organisations and providers a registration names. */
export interface RegistrationLookups {
  /** Registry answers by credit code (organisation, employer, chamber, clients). */
  registry: ReadonlyMap<string, RegistryOrganisation>;
  /** Providers by credit code of their organisation (the firm, the commission). */
  firmProvider?: Provider | undefined;
  commissionProvider?: Provider | undefined;
}

const deactivated = (field: string, o: RegistryOrganisation) => ({
  type: "ORGANISATION_DEACTIVATED",
  subject: `organisation/${o.creditCode}`,
  description: `${field}: ${o.name} (${o.creditCode}) is deactivated in the liaison registry and takes nothing new`,
});

const ref = (o: OrgRef): OrgRef => ({ creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name });

/** A client in an open matter: as the registry knows it, else by its code alone (it may be another node's). */
function clientRef(code: string, registry: ReadonlyMap<string, RegistryOrganisation>): OrgRef {
  const known = registry.get(code);
  return known ? ref(known) : { creditCode: code, jurisdictionCode: "", name: "" };
}

/**
 * Decides a registration: the organisations it names must be known to the registry with the
 * right type (INVALID_ARGUMENT naming the field) and active (FAILED_PRECONDITION); a practising
 * lawyer's firm and an arbitrator's commission must be registered providers here, active.
 */
/** A new provider under `providerId`, drawn by the caller so a retried request finds it. */
export function decideRegistration(
  providerId: string,
  c: CheckedRegistration,
  found: RegistrationLookups,
  ctx: DecisionContext,
): DecisionWithRevision<Provider> {
  const v = new Violations();
  const inactive: ReturnType<typeof deactivated>[] = [];
  const need = (field: string, code: string, type: OrganisationType | OrganisationType[]): RegistryOrganisation | undefined => {
    if (!code) return undefined;
    const o = found.registry.get(code);
    const types = Array.isArray(type) ? type : [type];
    if (!o) v.add(field, `is not an organisation of this node's liaison registry`);
    else if (!types.includes(o.type)) v.add(field, `must be a ${types.join(" or ")}, not ${o.type}`);
    else if (!o.active) inactive.push(deactivated(field, o));
    return o;
  };
  const orgType = ORGANISATION_TYPE_OF[c.kind];
  const organisation = orgType ? need("organisation_credit_code", c.organisationCreditCode, orgType) : undefined;
  const chamber = need("chamber_credit_code", c.chamberCreditCode, "CHAMBER_OF_COMMERCE");
  // An employer need not be in the registry (a public body may not be); when known, it must be active.
  const employerKnown = c.employerCreditCode ? found.registry.get(c.employerCreditCode) : undefined;
  if (employerKnown && !employerKnown.active) inactive.push(deactivated("employer_credit_code", employerKnown));
  if (c.lawyerKind === "COMPANY" && c.employerCreditCode && employerKnown && employerKnown.type !== "ENTERPRISE")
    v.add("employer_credit_code", `a company lawyer's employer must be an ENTERPRISE, not ${employerKnown.type}`);
  const providerNeeded = (field: string, code: string, p: Provider | undefined, kind: ProviderKind) => {
    if (!code) return;
    if (!p || p.kind !== kind) v.add(field, `is not a registered ${kind} provider here: register it first`);
    else if (p.status !== "ACTIVE")
      inactive.push({
        type: "PROVIDER_NOT_ACTIVE",
        subject: `provider/${p.providerId}`,
        description: `${field}: ${p.name} is ${p.status.toLowerCase()}`,
      });
  };
  providerNeeded("firm_credit_code", c.firmCreditCode, found.firmProvider, "LAW_FIRM");
  providerNeeded("commission_credit_code", c.commissionCreditCode, found.commissionProvider, "ARBITRATION_COMMISSION");
  if (!v.isEmpty) throw new InvalidArgumentError(v.all);
  if (inactive.length > 0) throw new FailedPreconditionError(inactive);
  const employer: OrgRef | null = c.employerCreditCode
    ? employerKnown
      ? ref(employerKnown)
      : { creditCode: c.employerCreditCode, jurisdictionCode: "", name: "" }
    : null;
  const firm = found.firmProvider?.organisation ?? null;
  // Where it serves: as given, else where its organisation (or firm, employer, chamber) is.
  const home = organisation?.jurisdictionCode ?? firm?.jurisdictionCode ?? chamber?.jurisdictionCode ?? employer?.jurisdictionCode ?? "";
  const districtCode = c.profile.districtCode || (isJurisdictionCode(home) ? home : ctx.here);
  const provider: Provider = {
    providerId,
    kind: c.kind,
    name: organisation?.name ?? c.name,
    identityKey: c.identityKey,
    organisation: organisation ? ref(organisation) : null,
    licenceNumber: c.licenceNumber,
    lawyerKind: c.lawyerKind,
    firm: firm ? ref(firm) : null,
    firmProviderId: found.firmProvider?.providerId ?? null,
    employer,
    commission: found.commissionProvider?.organisation ? ref(found.commissionProvider.organisation) : null,
    rosterNumber: c.rosterNumber,
    chamber: chamber ? ref(chamber) : null,
    profile: {
      specialties: c.profile.specialties,
      languages: c.profile.languages,
      districtCode,
      capacity: c.profile.capacity,
      rating: c.profile.rating,
      clients: c.profile.clientCodes.map((code) => clientRef(code, found.registry)),
    },
    status: "ACTIVE",
    appointments: [],
    revision: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  return { state: provider, action: "RegisterProvider", events: (after) => [providerRegistered(after, ctx.audit)] };
}

/** The profile as it stands from now on; the district falls back to the current one. */
export function decideProfileUpdate(
  p: Provider,
  profile: ReturnType<typeof checkProfile>,
  registry: ReadonlyMap<string, RegistryOrganisation>,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Provider> {
  checkExpectedRevision("provider", p.providerId, p.revision, expectedRevision);
  assertNotRetired(p, "update");
  const next: Provider = {
    ...p,
    profile: {
      specialties: profile.specialties,
      languages: profile.languages,
      districtCode: profile.districtCode || p.profile.districtCode,
      capacity: profile.capacity,
      rating: profile.rating,
      clients: profile.clientCodes.map((code) => clientRef(code, registry)),
    },
    updatedAt: ctx.now,
  };
  return { state: next, action: "UpdateProvider", events: (after) => [providerUpdated(after, ctx.audit)] };
}

function assertNotRetired(p: Provider, what: string): void {
  if (p.status === "RETIRED")
    throw new FailedPreconditionError([
      { type: "PROVIDER_RETIRED", subject: `provider/${p.providerId}`, description: `cannot ${what} ${p.name}: retired is final` },
    ]);
}

const STATUS_FROM: Record<ProviderStatus, readonly ProviderStatus[]> = {
  ACTIVE: ["SUSPENDED"],
  SUSPENDED: ["ACTIVE"],
  RETIRED: ["ACTIVE", "SUSPENDED"],
};

/** Suspends, reactivates or retires; FAILED_PRECONDITION when the current status does not allow it. */
export function decideStatusChange(
  p: Provider,
  status: ProviderStatus,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Provider> {
  checkExpectedRevision("provider", p.providerId, p.revision, expectedRevision);
  if (!STATUS_FROM[status].includes(p.status))
    throw new FailedPreconditionError([
      {
        type: "STATE",
        subject: `provider/${p.providerId}`,
        description: `cannot make ${p.name} ${status.toLowerCase()}: it is ${p.status.toLowerCase()}`,
      },
    ]);
  const next: Provider = { ...p, status, updatedAt: ctx.now };
  return { state: next, action: "ChangeProviderStatus", events: (after) => [providerStatusChanged(after, p.status, ctx.audit)] };
}

/** Art. 15: a practising lawyer or law firm becomes legal adviser to a chamber for a term. */
export function decideAppointment(
  p: Provider,
  chamber: RegistryOrganisation | undefined,
  term: { startAt: Date; endAt: Date },
  expectedRevision: number,
  ctx: DecisionContext,
): { decision: DecisionWithRevision<Provider>; appointmentId: string } {
  checkExpectedRevision("provider", p.providerId, p.revision, expectedRevision);
  if (!chamber)
    throw new InvalidArgumentError([
      { field: "chamber_credit_code", description: "is not an organisation of this node's liaison registry" },
    ]);
  if (chamber.type !== "CHAMBER_OF_COMMERCE")
    throw new InvalidArgumentError([{ field: "chamber_credit_code", description: `must be a CHAMBER_OF_COMMERCE, not ${chamber.type}` }]);
  const adviser = p.kind === "LAW_FIRM" || (p.kind === "LAWYER" && p.lawyerKind === "PRACTISING");
  const problems = [];
  if (!adviser)
    problems.push({
      type: "NOT_AN_ADVISER",
      subject: `provider/${p.providerId}`,
      description: `${p.name}: only practising lawyers and law firms advise chambers`,
    });
  if (p.status !== "ACTIVE")
    problems.push({
      type: "PROVIDER_NOT_ACTIVE",
      subject: `provider/${p.providerId}`,
      description: `${p.name} is ${p.status.toLowerCase()}`,
    });
  if (!chamber.active) problems.push(deactivated("chamber_credit_code", chamber));
  if (p.appointments.some((a) => a.chamber.creditCode === chamber.creditCode && !a.endedAt && a.endAt > term.startAt))
    problems.push({
      type: "ALREADY_APPOINTED",
      subject: `provider/${p.providerId}`,
      description: `${p.name} already advises ${chamber.name} in that term`,
    });
  if (p.appointments.length >= LIMITS.appointments)
    problems.push({
      type: "TOO_MANY_APPOINTMENTS",
      subject: `provider/${p.providerId}`,
      description: `at most ${LIMITS.appointments} appointments are kept`,
    });
  if (problems.length > 0) throw new FailedPreconditionError(problems);
  const appointmentId = ctx.newId();
  const next: Provider = {
    ...p,
    appointments: [
      ...p.appointments,
      { appointmentId, chamber: ref(chamber), startAt: term.startAt, endAt: term.endAt, endedAt: null, endReason: "" },
    ],
    updatedAt: ctx.now,
  };
  return { decision: { state: next, action: "AppointAdviser", events: (after) => [providerUpdated(after, ctx.audit)] }, appointmentId };
}

export function decideAppointmentEnd(
  p: Provider,
  appointmentId: string,
  reason: string,
  expectedRevision: number,
  ctx: DecisionContext,
): DecisionWithRevision<Provider> {
  checkExpectedRevision("provider", p.providerId, p.revision, expectedRevision);
  const a = p.appointments.find((x) => x.appointmentId === appointmentId);
  if (!a) throw new InvalidArgumentError([{ field: "appointment_id", description: `is not an appointment of ${p.name}` }]);
  if (a.endedAt)
    throw new FailedPreconditionError([
      { type: "STATE", subject: `provider/${p.providerId}`, description: "the appointment has already ended" },
    ]);
  const next: Provider = {
    ...p,
    appointments: p.appointments.map((x) => (x === a ? { ...x, endedAt: ctx.now, endReason: reason } : x)),
    updatedAt: ctx.now,
  };
  return { state: next, action: "EndAdviserAppointment", events: (after) => [providerUpdated(after, ctx.audit)] };
}

/** The firm key of a provider for conflict checks: a firm itself, or a practising lawyer's firm. */
export function firmKeyOf(p: Pick<Provider, "kind" | "providerId" | "firmProviderId">): string {
  return p.kind === "LAWYER" && p.firmProviderId ? p.firmProviderId : p.providerId;
}
