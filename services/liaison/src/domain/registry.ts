/**
 * The registry of parties: organisations of the glossary's types, their departments and liaison
 * contacts. Pure rules and the decisions of every change (state after it, audit action, events);
 * no I/O. The events' payloads are built in registry-events.ts.
 */
import {
  creditCodeProblem,
  CITY_JURISDICTION,
  describeCreditCodeProblem,
  isJurisdictionCode,
  ORGANISATION_TYPES,
  type OrganisationType,
} from "@jinlian/kernel";
import {
  AlreadyExistsError,
  checkExpectedRevision,
  FailedPreconditionError,
  InvalidArgumentError,
  textField,
  Violations,
  type AuditMetadata,
  type Decision,
} from "@jinlian/chassis";
import {
  organisationCorrected,
  organisationDeactivated,
  organisationMoved,
  organisationReactivated,
  organisationRegistered,
  organisationUpdated,
  type FieldCorrection,
} from "./registry-events";

export { ORGANISATION_TYPES, type OrganisationType };
/** The status other areas see: a moved organisation counts as deactivated here (it takes no roles). */
export type OrganisationStatus = "ACTIVE" | "DEACTIVATED";
/** The status of the registry's own record: MOVED when another node's registry holds it now. */
export type RegistryStatus = OrganisationStatus | "MOVED";

export const REGISTRY_LIMITS = {
  nameChars: 200,
  departmentNameChars: 100,
  departmentsPerOrganisation: 50,
  contactsPerOrganisation: 100,
  contactNameChars: 100,
  contactTitleChars: 100,
  emailChars: 254,
  industryDescriptionChars: 100,
  memberships: 20,
} as const;

/** GB/T 4754-2017 sections (门类), A 农、林、牧、渔业 to T 国际组织. */
export const INDUSTRY_SECTION = /^[A-T]$/;
/** The types that have an industry, and what each may be a member of. */
const MEMBER_OF: Partial<Record<OrganisationType, OrganisationType>> = {
  ENTERPRISE: "CHAMBER_OF_COMMERCE",
  CHAMBER_OF_COMMERCE: "FEDERATION",
};
export const hasIndustry = (t: OrganisationType) => t === "ENTERPRISE" || t === "CHAMBER_OF_COMMERCE";
const TYPE_WORDS: Record<string, string> = {
  CHAMBER_OF_COMMERCE: "a chamber of commerce",
  FEDERATION: "a federation",
  JUSTICE_BUREAU: "a justice bureau",
};

const PHONE = /^\+?[0-9][0-9 -]{4,30}[0-9]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface Registration {
  type: OrganisationType | undefined;
  name: string;
  creditCode: string;
  jurisdictionCode: string;
  departmentNames: readonly string[];
}

export interface ValidRegistration {
  type: OrganisationType;
  name: string;
  creditCode: string;
  jurisdictionCode: string;
  departmentNames: string[];
}

/**
 * Checks a registration at a node. The municipal registry may hold organisations of any
 * jurisdiction of Tianjin; a district's registry holds its own district's only.
 */
export function validateRegistration(r: Registration, node: string): ValidRegistration {
  const v = new Violations();
  if (!r.type) v.add("type", "is required: one of the party types of the glossary");
  const name = organisationName(v, "name", r.name);
  const creditCode = r.creditCode.trim().toUpperCase();
  const problem = creditCodeProblem(creditCode);
  if (creditCode.length === 0) v.add("credit_code", "is required");
  else if (problem) v.add("credit_code", describeCreditCodeProblem(problem));
  const jurisdictionCode = r.jurisdictionCode.trim();
  if (!isJurisdictionCode(jurisdictionCode)) v.add("jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
  else if (node !== CITY_JURISDICTION && jurisdictionCode !== node)
    v.add("jurisdiction_code", `a district registry holds only its own district's organisations (${node})`);
  // The count first: too many departments are refused without looking at each one.
  let departmentNames: string[] = [];
  if (r.departmentNames.length > REGISTRY_LIMITS.departmentsPerOrganisation)
    v.add("department_names", `at most ${REGISTRY_LIMITS.departmentsPerOrganisation} departments`);
  else {
    departmentNames = r.departmentNames.map((d, i) => departmentName(v, `department_names[${i}]`, d));
    const seen = new Set<string>();
    departmentNames.forEach((d, i) => {
      if (d && seen.has(d)) v.add(`department_names[${i}]`, `duplicates department "${d}"`);
      seen.add(d);
    });
  }
  v.throwIfAny();
  return { type: r.type!, name, creditCode, jurisdictionCode, departmentNames };
}

export function organisationName(v: Violations, field: string, value: string): string {
  return textField(v, field, value, { required: true, max: REGISTRY_LIMITS.nameChars });
}

export function departmentName(v: Violations, field: string, value: string): string {
  return textField(v, field, value, { required: true, max: REGISTRY_LIMITS.departmentNameChars });
}

export interface ContactInput {
  name: string;
  title: string;
  departmentId: string;
  phone: string;
  email: string;
}

/** A liaison contact needs a name and at least one way to reach them. */
export function validateContact(c: ContactInput | undefined, departmentIds: readonly string[]): ContactInput {
  const v = new Violations();
  if (!c) {
    v.add("contact", "is required");
    v.throwIfAny();
  }
  const name = c!.name.trim();
  if (name.length === 0) v.add("contact.name", "is required");
  else if ([...name].length > REGISTRY_LIMITS.contactNameChars)
    v.add("contact.name", `must be at most ${REGISTRY_LIMITS.contactNameChars} characters`);
  const title = c!.title.trim();
  if ([...title].length > REGISTRY_LIMITS.contactTitleChars)
    v.add("contact.title", `must be at most ${REGISTRY_LIMITS.contactTitleChars} characters`);
  const phone = c!.phone.trim();
  const email = c!.email.trim();
  if (!phone && !email) v.add("contact.phone", "a phone number or an e-mail address is required");
  if (phone && !PHONE.test(phone)) v.add("contact.phone", "must be digits, optionally with a leading + and spaces or dashes");
  if (email && (email.length > REGISTRY_LIMITS.emailChars || !EMAIL.test(email))) v.add("contact.email", "is not an e-mail address");
  const departmentId = c!.departmentId.trim();
  if (departmentId && !departmentIds.includes(departmentId)) v.add("contact.department_id", "is not a department of this organisation");
  v.throwIfAny();
  return { name, title, departmentId, phone, email };
}

/** A deactivated organisation stays on record unchanged; a moved one is changed at its new node. */
export function assertChangeable(organisationId: string, status: RegistryStatus): void {
  assertHeldHere(organisationId, status);
  if (status === "DEACTIVATED")
    throw new FailedPreconditionError([
      {
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${organisationId}`,
        description: "the organisation is deactivated and can no longer be changed",
      },
    ]);
}

/** A moved organisation is on record here only: its registry is another node's. */
export function assertHeldHere(organisationId: string, status: RegistryStatus): void {
  if (status === "MOVED")
    throw new FailedPreconditionError([
      {
        type: "ORGANISATION_MOVED",
        subject: `organisation/${organisationId}`,
        description: "the organisation moved to another node's registry; change it there",
      },
    ]);
}

// ---- the organisation aggregate and the decisions about it ----

/** The industry (行业) of an enterprise or chamber. */
export interface Industry {
  /** GB/T 4754 section letter A-T. */
  readonly section: string;
  readonly description: string;
}

/** Another organisation of this registry an organisation refers to (a membership, a committee's chamber). */
export interface Related {
  readonly organisationId: string;
  readonly creditCode: string;
  readonly name: string;
  readonly jurisdictionCode: string;
}

export interface Department {
  readonly departmentId: string;
  readonly name: string;
  /** Order of the departments as registered and added; gaps remain where some were removed. */
  readonly position: number;
}

export interface Contact {
  readonly contactId: string;
  readonly name: string;
  readonly title: string;
  /** "" when the contact belongs to no particular department. */
  readonly departmentId: string;
  readonly phone: string;
  readonly email: string;
  readonly position: number;
}

/** An organisation in the registry with its departments and liaison contacts. */
export interface Organisation {
  readonly organisationId: string;
  readonly type: OrganisationType;
  readonly name: string;
  readonly creditCode: string;
  readonly jurisdictionCode: string;
  readonly status: RegistryStatus;
  readonly revision: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly departments: readonly Department[];
  readonly contacts: readonly Contact[];
  /** Enterprises and chambers only. */
  readonly industry?: Industry | undefined;
  /** Chambers an enterprise, or the federation a chamber, is a member of (empty when absent). */
  readonly memberOf?: readonly Related[];
  /** A mediation committee's chamber. */
  readonly chamber?: Related | undefined;
  /** When MOVED: the node whose registry holds it now. */
  readonly movedTo?: string;
}

/** An organisation as the other liaison areas need it: identity, type, status and departments. */
export interface OrganisationSnapshot {
  organisationId: string;
  type: OrganisationType;
  name: string;
  creditCode: string;
  jurisdictionCode: string;
  status: OrganisationStatus;
  revision: number;
  departments: readonly { departmentId: string; name: string }[];
}

export interface OrganisationFilter {
  type?: OrganisationType;
  jurisdictionCode?: string;
  text?: string;
  /** Without a status, MOVED organisations are left out. */
  status?: RegistryStatus;
  industrySection?: string;
  /** Members of this organisation (registry id). */
  memberOfOrganisationId?: string;
}

/** What changed in an update, as OrganisationUpdated tells its subscribers. */
export type OrganisationChange =
  "DETAILS" | "DEPARTMENT_ADDED" | "DEPARTMENT_REMOVED" | "CONTACT_ADDED" | "CONTACT_REMOVED" | "CONTACT_UPDATED" | "AFFILIATIONS";

/** What a registry decision needs besides the state and the command: the node, time, ids, the audit. */
export interface RegistryContext {
  /** The node holding this registry. */
  readonly here: string;
  readonly now: Date;
  readonly newId: () => string;
  /** Who, why, when: what the events carry. */
  readonly audit: AuditMetadata;
}

/** A change to an existing organisation names the revision it was based on (0: no check). */
export interface Based {
  readonly expectedRevision: number;
}

/** Who holds a credit code in this registry. */
export interface CreditCodeHolder {
  readonly organisationId: string;
  readonly name: string;
  readonly status: RegistryStatus;
}

/**
 * The credit code is the registry's natural key; also raised when a concurrent registration won.
 * A code stays held by a deactivated (or moved) organisation: the message names the holder, to
 * be reactivated, or corrected if it was the holder's code that was wrong.
 */
export function creditCodeTaken(creditCode: string, holder?: CreditCodeHolder): AlreadyExistsError {
  const what =
    holder === undefined
      ? ""
      : holder.status === "DEACTIVATED"
        ? ` by ${holder.name} (organisation/${holder.organisationId}, deactivated: reactivate it, or correct its credit code if that is the wrong one)`
        : holder.status === "MOVED"
          ? ` by ${holder.name} (organisation/${holder.organisationId}, moved to another node's registry)`
          : ` by ${holder.name} (organisation/${holder.organisationId})`;
  return new AlreadyExistsError("organisation", creditCode, `credit code ${creditCode} is already registered${what}`);
}

/**
 * Registers a valid registration under `organisationId` (drawn by the caller, so a retried request
 * finds it) unless its credit code is held already (`holder`). The organisation starts active at
 * revision 1 with its departments in the given order.
 */
export function decideRegistration(
  organisationId: string,
  r: ValidRegistration,
  holder: CreditCodeHolder | undefined,
  ctx: RegistryContext,
  affiliations: ValidAffiliations = { memberOf: [] },
): Decision<Organisation> {
  if (holder !== undefined) throw creditCodeTaken(r.creditCode, holder);
  if (r.type === "MEDIATION_COMMITTEE" && !affiliations.chamber) throw chamberRequired("chamber");
  const state: Organisation = {
    organisationId,
    type: r.type,
    name: r.name,
    creditCode: r.creditCode,
    jurisdictionCode: r.jurisdictionCode,
    status: "ACTIVE",
    revision: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    departments: r.departmentNames.map((name, position) => ({ departmentId: ctx.newId(), name, position })),
    contacts: [],
    industry: affiliations.industry,
    memberOf: affiliations.memberOf,
    chamber: affiliations.chamber,
  };
  return { state, action: "RegisterOrganisation", events: [organisationRegistered(state, ctx.here, ctx.audit)] };
}

/**
 * The common part of every change to an existing organisation: a deactivated one refuses, a stale
 * revision is ABORTED (in this order, before anything about the change itself), and the result
 * is at the next revision, updated now, announced as OrganisationUpdated.
 */
function updated(
  before: Organisation,
  based: Based,
  action: string,
  change: OrganisationChange,
  ctx: RegistryContext,
  patch: (o: Organisation) => Partial<Organisation>,
): Decision<Organisation> {
  assertChangeable(before.organisationId, before.status);
  checkExpectedRevision("organisation", before.organisationId, before.revision, based.expectedRevision);
  const state: Organisation = { ...before, ...patch(before), revision: before.revision + 1, updatedAt: ctx.now };
  return { state, action, events: [organisationUpdated(state, change, ctx.here, ctx.audit)] };
}

export function decideRename(before: Organisation, cmd: Based & { name: string }, ctx: RegistryContext): Decision<Organisation> {
  return updated(before, cmd, "UpdateOrganisation", "DETAILS", ctx, () => ({ name: cmd.name }));
}

function limitReached(organisationId: string, what: string): FailedPreconditionError {
  return new FailedPreconditionError([{ type: "LIMIT", subject: `organisation/${organisationId}`, description: `at most ${what}` }]);
}

const nextPosition = (items: readonly { position: number }[]) => Math.max(-1, ...items.map((i) => i.position)) + 1;

/** A new department, named uniquely within the organisation, after the existing ones. */
export function decideAddDepartment(before: Organisation, cmd: Based & { name: string }, ctx: RegistryContext): Decision<Organisation> {
  return updated(before, cmd, "AddDepartment", "DEPARTMENT_ADDED", ctx, (o) => {
    if (o.departments.some((d) => d.name === cmd.name))
      throw new AlreadyExistsError("department", cmd.name, `${o.name} already has a department "${cmd.name}"`);
    if (o.departments.length >= REGISTRY_LIMITS.departmentsPerOrganisation)
      throw limitReached(o.organisationId, `${REGISTRY_LIMITS.departmentsPerOrganisation} departments`);
    return { departments: [...o.departments, { departmentId: ctx.newId(), name: cmd.name, position: nextPosition(o.departments) }] };
  });
}

/**
 * Removes a department unless a liaison mechanism names it as responsible (art. 3;
 * `namingMechanisms` are their ids). Its contacts stay, belonging to no department.
 */
export function decideRemoveDepartment(
  before: Organisation,
  cmd: Based & { departmentId: string },
  namingMechanisms: readonly string[],
  ctx: RegistryContext,
): Decision<Organisation> {
  return updated(before, cmd, "RemoveDepartment", "DEPARTMENT_REMOVED", ctx, (o) => {
    if (!o.departments.some((d) => d.departmentId === cmd.departmentId))
      throw new InvalidArgumentError([{ field: "department_id", description: "is not a department of this organisation" }]);
    if (namingMechanisms.length > 0)
      throw new FailedPreconditionError(
        namingMechanisms.map((m) => ({
          type: "RESPONSIBLE_DEPARTMENT",
          subject: `mechanism/${m}`,
          description: "the department is the responsible department of a liaison mechanism (art. 3)",
        })),
      );
    return {
      departments: o.departments.filter((d) => d.departmentId !== cmd.departmentId),
      contacts: o.contacts.map((c) => (c.departmentId === cmd.departmentId ? { ...c, departmentId: "" } : c)),
    };
  });
}

/** A new liaison contact after the existing ones; the decision names its id. */
export function decideAddContact(
  before: Organisation,
  cmd: Based & { contact: ContactInput | undefined },
  ctx: RegistryContext,
): Decision<Organisation> & { readonly contactId: string } {
  let contactId = "";
  const decision = updated(before, cmd, "AddLiaisonContact", "CONTACT_ADDED", ctx, (o) => {
    const valid = validateContact(
      cmd.contact,
      o.departments.map((d) => d.departmentId),
    );
    if (o.contacts.length >= REGISTRY_LIMITS.contactsPerOrganisation)
      throw limitReached(o.organisationId, `${REGISTRY_LIMITS.contactsPerOrganisation} contacts`);
    contactId = ctx.newId();
    return { contacts: [...o.contacts, { contactId, ...valid, position: nextPosition(o.contacts) }] };
  });
  return { ...decision, contactId };
}

export function decideRemoveContact(
  before: Organisation,
  cmd: Based & { contactId: string },
  ctx: RegistryContext,
): Decision<Organisation> {
  return updated(before, cmd, "RemoveLiaisonContact", "CONTACT_REMOVED", ctx, (o) => {
    if (!o.contacts.some((c) => c.contactId === cmd.contactId))
      throw new InvalidArgumentError([{ field: "contact_id", description: "is not a liaison contact of this organisation" }]);
    return { contacts: o.contacts.filter((c) => c.contactId !== cmd.contactId) };
  });
}

/** Deactivation keeps the organisation on record; it takes no new roles and no more changes. */
export function decideDeactivation(before: Organisation, cmd: Based, ctx: RegistryContext): Decision<Organisation> {
  assertChangeable(before.organisationId, before.status);
  checkExpectedRevision("organisation", before.organisationId, before.revision, cmd.expectedRevision);
  const state: Organisation = { ...before, status: "DEACTIVATED", revision: before.revision + 1, updatedAt: ctx.now };
  return { state, action: "DeactivateOrganisation", events: [organisationDeactivated(state, ctx.here, ctx.audit)] };
}

// ---- industry, memberships and a committee's chamber ----

/** Industry and memberships as a request gives them, the organisations named already resolved to ids here. */
export interface AffiliationsInput {
  readonly industry?: { readonly section: string; readonly description: string } | undefined;
  /** Registry ids ("" where the request named nothing), in request order. */
  readonly memberOf: readonly string[];
}

export interface ValidAffiliations {
  readonly industry?: Industry | undefined;
  readonly memberOf: readonly Related[];
  readonly chamber?: Related | undefined;
}

/** What the rules need of an organisation named as a chamber or membership: its snapshot here. */
export type Named = ReadonlyMap<string, OrganisationSnapshot>;

const relatedOf = (o: OrganisationSnapshot): Related => ({
  organisationId: o.organisationId,
  creditCode: o.creditCode,
  name: o.name,
  jurisdictionCode: o.jurisdictionCode,
});

function chamberRequired(field: string): InvalidArgumentError {
  return new InvalidArgumentError([
    { field, description: "is required for a mediation committee: the chamber of commerce it is set up in" },
  ]);
}

/** The industry of an organisation of `type`, or violations at `field`. */
export function validIndustry(
  v: Violations,
  field: string,
  type: OrganisationType,
  industry: AffiliationsInput["industry"],
): Industry | undefined {
  if (!industry) return undefined;
  const section = industry.section.trim().toUpperCase();
  const description = industry.description.trim();
  if (!hasIndustry(type)) {
    v.add(field, "only enterprises and chambers of commerce have an industry");
    return undefined;
  }
  if (!INDUSTRY_SECTION.test(section)) v.add(`${field}.section`, "must be a GB/T 4754 section letter, A to T");
  if ([...description].length > REGISTRY_LIMITS.industryDescriptionChars)
    v.add(`${field}.description`, `must be at most ${REGISTRY_LIMITS.industryDescriptionChars} characters`);
  return { section, description };
}

/**
 * Checks the industry, memberships and chamber of an organisation of `type` (`self` when it is
 * registered already): an enterprise joins chambers, a chamber joins one federation, a mediation
 * committee has a chamber; each named organisation registered here (INVALID_ARGUMENT otherwise,
 * every field at once) and active (FAILED_PRECONDITION).
 */
export function checkAffiliations(
  type: OrganisationType,
  input: AffiliationsInput,
  chamber: { readonly field: string; readonly organisationId: string } | undefined,
  named: Named,
  fields: { readonly industry: string; readonly memberOf: string },
  self?: string,
): ValidAffiliations {
  const v = new Violations();
  const industry = validIndustry(v, fields.industry, type, input.industry);
  const memberOf: Related[] = [];
  const inactive: OrganisationSnapshot[] = [];
  const wants = MEMBER_OF[type];
  if (input.memberOf.length > REGISTRY_LIMITS.memberships) v.add(fields.memberOf, `at most ${REGISTRY_LIMITS.memberships} memberships`);
  else if (input.memberOf.length > 0 && !wants)
    v.add(fields.memberOf, "only enterprises (of chambers) and chambers (of a federation) are members");
  else if (wants === "FEDERATION" && input.memberOf.length > 1) v.add(fields.memberOf, "a chamber of commerce belongs to one federation");
  else
    input.memberOf.forEach((id, i) => {
      const field = `${fields.memberOf}[${i}]`;
      const o = id ? named.get(id) : undefined;
      if (!o) return v.add(field, "is not a registered organisation");
      if (o.organisationId === self) return v.add(field, "cannot be the organisation itself");
      if (o.type !== wants) return v.add(field, `must be ${TYPE_WORDS[wants!]}, not ${o.type}`);
      if (memberOf.some((m) => m.organisationId === o.organisationId)) return v.add(field, "is named twice");
      if (o.status !== "ACTIVE") inactive.push(o);
      memberOf.push(relatedOf(o));
    });
  let theChamber: Related | undefined;
  if (type === "MEDIATION_COMMITTEE") {
    const o = chamber?.organisationId ? named.get(chamber.organisationId) : undefined;
    if (!chamber?.organisationId)
      v.add(chamber?.field ?? "chamber", "is required for a mediation committee: the chamber of commerce it is set up in");
    else if (!o) v.add(chamber.field, "is not a registered organisation");
    else if (o.type !== "CHAMBER_OF_COMMERCE") v.add(chamber.field, `must be a chamber of commerce, not ${o.type}`);
    else {
      if (o.status !== "ACTIVE") inactive.push(o);
      theChamber = relatedOf(o);
    }
  } else if (chamber?.organisationId) v.add(chamber.field, "only a mediation committee has a chamber");
  v.throwIfAny();
  if (inactive.length > 0)
    throw new FailedPreconditionError(
      inactive.map((o) => ({
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${o.organisationId}`,
        description: `${o.name} is deactivated and takes no new members`,
      })),
    );
  return { industry, memberOf, chamber: theChamber };
}

/** Sets the industry and memberships as they stand from now on (checked by checkAffiliations). */
export function decideAffiliations(
  before: Organisation,
  cmd: Based & { affiliations: Omit<ValidAffiliations, "chamber"> },
  ctx: RegistryContext,
): Decision<Organisation> {
  return updated(before, cmd, "UpdateAffiliations", "AFFILIATIONS", ctx, () => ({
    industry: cmd.affiliations.industry,
    memberOf: cmd.affiliations.memberOf,
  }));
}

/** Corrects a liaison contact in place, keeping its id and position. */
export function decideUpdateContact(
  before: Organisation,
  cmd: Based & { contactId: string; contact: ContactInput | undefined },
  ctx: RegistryContext,
): Decision<Organisation> {
  return updated(before, cmd, "UpdateLiaisonContact", "CONTACT_UPDATED", ctx, (o) => {
    if (!o.contacts.some((c) => c.contactId === cmd.contactId))
      throw new InvalidArgumentError([{ field: "contact.contact_id", description: "is not a liaison contact of this organisation" }]);
    const valid = validateContact(
      cmd.contact,
      o.departments.map((d) => d.departmentId),
    );
    return { contacts: o.contacts.map((c) => (c.contactId === cmd.contactId ? { ...c, ...valid } : c)) };
  });
}

// ---- corrections, reactivation, moves ----

/** A correction: the fields given replace what was registered (undefined: unchanged). */
export interface Correction {
  readonly type?: OrganisationType | undefined;
  readonly name?: string | undefined;
  readonly creditCode?: string | undefined;
  readonly jurisdictionCode?: string | undefined;
  /** A mediation committee's chamber, checked (checkAffiliations) for the type it will have. */
  readonly chamber?: Related | undefined;
}

/**
 * What refers to an organisation at this node and binds its type: mechanisms naming it as a
 * party, consultations not yet closed it attends or presents at (sides are bureau and federation),
 * organisations that are its members, committees set up in it.
 */
export interface TypeBoundRoles {
  readonly mechanisms: readonly string[];
  readonly openConsultations: readonly string[];
  readonly members: readonly { readonly organisationId: string; readonly name: string }[];
  readonly committees: readonly { readonly organisationId: string; readonly name: string }[];
}

export const NO_ROLES: TypeBoundRoles = { mechanisms: [], openConsultations: [], members: [], committees: [] };

function roleViolations(o: Organisation, newType: OrganisationType, roles: TypeBoundRoles) {
  const out: { type: string; subject: string; description: string }[] = [];
  const role = (subject: string, description: string) => out.push({ type: "ORGANISATION_ROLE", subject, description });
  for (const m of roles.mechanisms) role(`mechanism/${m}`, `${o.name} is a party of this liaison mechanism as ${o.type}`);
  if (o.type === "JUSTICE_BUREAU" || o.type === "FEDERATION")
    for (const c of roles.openConsultations) role(`consultation/${c}`, `${o.name} takes part in this consultation as ${o.type}`);
  for (const m of roles.members) role(`organisation/${m.organisationId}`, `${m.name} is a member of ${o.name} as ${o.type}`);
  for (const c of roles.committees) role(`organisation/${c.organisationId}`, `${c.name} is a mediation committee set up in ${o.name}`);
  // Its own memberships must suit the new type.
  const wants = MEMBER_OF[newType];
  for (const m of o.memberOf ?? [])
    if (MEMBER_OF[o.type] !== wants)
      role(`organisation/${m.organisationId}`, `${o.name} is a member of ${m.name}, which ${newType} cannot be (end the membership first)`);
  return out;
}

/**
 * Corrects what was registered wrongly. Deactivated organisations can be corrected too (the
 * record must be right even when retired); moved ones are corrected at their new node. Every
 * field given that differs is corrected and named in OrganisationCorrected; a type change is
 * refused while the organisation holds a role the new type cannot hold; a credit code another
 * organisation holds here already exists.
 */
export function decideCorrection(
  before: Organisation,
  cmd: Based & Correction,
  facts: { readonly roles: TypeBoundRoles; readonly creditCodeHolder?: CreditCodeHolder | undefined },
  ctx: RegistryContext,
): Decision<Organisation> {
  assertHeldHere(before.organisationId, before.status);
  checkExpectedRevision("organisation", before.organisationId, before.revision, cmd.expectedRevision);
  const corrections: FieldCorrection[] = [];
  const changed = <T>(field: string, was: T, now: T | undefined, show: (x: T) => string = String): T => {
    if (now === undefined || now === was) return was;
    corrections.push({ field, before: show(was), after: show(now) });
    return now;
  };
  const type = changed("type", before.type, cmd.type);
  const name = changed("name", before.name, cmd.name);
  const creditCode = changed("credit_code", before.creditCode, cmd.creditCode);
  const jurisdictionCode = changed("jurisdiction_code", before.jurisdictionCode, cmd.jurisdictionCode);
  // The chamber follows the type: required for a committee, dropped otherwise.
  let chamber = type === "MEDIATION_COMMITTEE" ? (cmd.chamber ?? before.chamber) : undefined;
  if (type === "MEDIATION_COMMITTEE" && !chamber) throw chamberRequired("chamber");
  if (type !== "MEDIATION_COMMITTEE" && cmd.chamber)
    throw new InvalidArgumentError([{ field: "chamber", description: "only a mediation committee has a chamber" }]);
  if (chamber?.organisationId === before.organisationId)
    throw new InvalidArgumentError([{ field: "chamber", description: "cannot be the organisation itself" }]);
  if ((before.chamber?.creditCode ?? "") !== (chamber?.creditCode ?? ""))
    corrections.push({ field: "chamber", before: before.chamber?.creditCode ?? "", after: chamber?.creditCode ?? "" });
  else chamber = before.chamber;
  const industry = hasIndustry(type) ? before.industry : undefined;
  if (before.industry && !industry) corrections.push({ field: "industry", before: before.industry.section, after: "" });
  if (corrections.length === 0)
    throw new InvalidArgumentError([{ field: "organisation_id", description: "nothing to correct: every field given equals the record" }]);
  if (type !== before.type) {
    const roles = roleViolations(before, type, facts.roles);
    if (roles.length > 0) throw new FailedPreconditionError(roles);
  }
  const holder = facts.creditCodeHolder;
  if (creditCode !== before.creditCode && holder && holder.organisationId !== before.organisationId)
    throw creditCodeTaken(creditCode, holder);
  const state: Organisation = {
    ...before,
    type,
    name,
    creditCode,
    jurisdictionCode,
    chamber,
    industry,
    revision: before.revision + 1,
    updatedAt: ctx.now,
  };
  return { state, action: "CorrectOrganisation", events: [organisationCorrected(state, corrections, ctx.here, ctx.audit)] };
}

/** A deactivated organisation takes roles and changes again. */
export function decideReactivation(before: Organisation, cmd: Based, ctx: RegistryContext): Decision<Organisation> {
  assertHeldHere(before.organisationId, before.status);
  checkExpectedRevision("organisation", before.organisationId, before.revision, cmd.expectedRevision);
  if (before.status !== "DEACTIVATED")
    throw new FailedPreconditionError([
      { type: "ORGANISATION_ACTIVE", subject: `organisation/${before.organisationId}`, description: "the organisation is active already" },
    ]);
  const state: Organisation = { ...before, status: "ACTIVE", revision: before.revision + 1, updatedAt: ctx.now };
  return { state, action: "ReactivateOrganisation", events: [organisationReactivated(state, ctx.here, ctx.audit)] };
}

/**
 * Where a move may go from `here` and the jurisdiction it leaves the organisation in: the city
 * moves to a district (the jurisdiction becomes that district), a district to the city (any
 * jurisdiction, unchanged by default). A district-to-district move is two moves via the city.
 */
export function validateMove(here: string, to: string, jurisdiction: string, current: string): { to: string; jurisdictionCode: string } {
  const v = new Violations();
  to = to.trim();
  jurisdiction = jurisdiction.trim();
  if (!isJurisdictionCode(to)) v.add("to_registry_jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
  else if (to === here) v.add("to_registry_jurisdiction_code", "is this node: the organisation is here already");
  else if (here !== CITY_JURISDICTION && to !== CITY_JURISDICTION)
    v.add(
      "to_registry_jurisdiction_code",
      `a district moves organisations to the city (${CITY_JURISDICTION}) only; the city moves them on`,
    );
  if (jurisdiction && !isJurisdictionCode(jurisdiction))
    v.add("jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
  else if (isJurisdictionCode(to) && to !== CITY_JURISDICTION && jurisdiction && jurisdiction !== to)
    v.add("jurisdiction_code", `a district registry holds only its own district's organisations (${to})`);
  v.throwIfAny();
  return { to, jurisdictionCode: jurisdiction || (to === CITY_JURISDICTION ? current : to) };
}

/**
 * Moves an active organisation to another node's registry under the same id: kept here as MOVED
 * (on record for what referred to it), announced on this node's registry stream and delivered to
 * the receiving node. Refused while anything at this node still needs it (`roles`: subjects and
 * why), since those references cannot follow it.
 */
export function decideMove(
  before: Organisation,
  cmd: Based & { to: string; jurisdictionCode: string },
  roles: readonly { subject: string; description: string }[],
  ctx: RegistryContext,
): Decision<Organisation> {
  assertChangeable(before.organisationId, before.status);
  checkExpectedRevision("organisation", before.organisationId, before.revision, cmd.expectedRevision);
  if (roles.length > 0) throw new FailedPreconditionError(roles.map((r) => ({ type: "ORGANISATION_ROLE", ...r })));
  const state: Organisation = {
    ...before,
    status: "MOVED",
    movedTo: cmd.to,
    jurisdictionCode: cmd.jurisdictionCode,
    revision: before.revision + 1,
    updatedAt: ctx.now,
  };
  const moved = organisationMoved(
    state,
    { from: ctx.here, to: cmd.to, previousJurisdiction: before.jurisdictionCode },
    ctx.here,
    ctx.audit,
  );
  return { state, action: "MoveOrganisation", events: [{ ...moved, to: [...moved.to, { node: cmd.to }] }] };
}

/** A move delivered to this node: the organisation as the old node sent it. */
export interface Arrival {
  readonly organisation: Organisation;
  readonly from: string;
  readonly to: string;
  readonly previousJurisdiction: string;
}

/**
 * Registers an organisation that moved here from another node, under its id and revision (the
 * revision sequence continues across nodes, so each node's projections only move forward).
 * Memberships and the chamber follow where this registry holds the same credit codes
 * (`here`, by credit code); others are dropped. Undefined for a repeat.
 */
export function decideArrival(
  existing: Organisation | undefined,
  a: Arrival,
  facts: { readonly holder?: CreditCodeHolder | undefined; readonly here: ReadonlyMap<string, OrganisationSnapshot> },
  ctx: RegistryContext,
): Decision<Organisation> | undefined {
  const v = new Violations();
  const o = a.organisation;
  if (a.to !== ctx.here) v.add("data.to_registry_jurisdiction_code", `must be this node (${ctx.here})`);
  if (ctx.here !== CITY_JURISDICTION && o.jurisdictionCode !== ctx.here)
    v.add("data.organisation.jurisdiction_code", `a district registry holds only its own district's organisations (${ctx.here})`);
  v.throwIfAny();
  if (existing && existing.revision >= o.revision) return undefined;
  if (existing && existing.status !== "MOVED")
    throw new InvalidArgumentError(
      [{ field: "data.organisation_id", description: "is an organisation this registry holds: it cannot arrive from another node" }],
      `organisation ${o.organisationId} arrived from ${a.from} while held here`,
    );
  if (facts.holder && facts.holder.organisationId !== o.organisationId) throw creditCodeTaken(o.creditCode, facts.holder);
  const resolve = (r: Related): Related | undefined => {
    const found = facts.here.get(r.creditCode);
    return found ? relatedOf(found) : undefined;
  };
  const state: Organisation = {
    ...o,
    status: "ACTIVE",
    movedTo: "",
    memberOf: (o.memberOf ?? []).map(resolve).filter((r): r is Related => r !== undefined),
    chamber: o.chamber ? resolve(o.chamber) : undefined,
    createdAt: existing?.createdAt ?? o.createdAt,
    updatedAt: ctx.now,
  };
  return {
    state,
    action: "OrganisationMovedIn",
    events: [organisationMoved(state, { from: a.from, to: a.to, previousJurisdiction: a.previousJurisdiction }, ctx.here, ctx.audit)],
  };
}
