/**
 * The registry of parties: organisations of the glossary's types, their departments and liaison
 * contacts. Pure rules; persistence and events live in app/.
 */
import {
  creditCodeProblem,
  CITY_JURISDICTION,
  describeCreditCodeProblem,
  FailedPreconditionError,
  isJurisdictionCode,
  ORGANISATION_TYPES,
  textField,
  Violations,
  type OrganisationType,
} from "@jinlian/chassis";

export { ORGANISATION_TYPES, type OrganisationType };
export type OrganisationStatus = "ACTIVE" | "DEACTIVATED";

export const REGISTRY_LIMITS = {
  nameChars: 200,
  departmentNameChars: 100,
  departmentsPerOrganisation: 50,
  contactsPerOrganisation: 100,
  contactNameChars: 100,
  contactTitleChars: 100,
  emailChars: 254,
} as const;

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
  const departmentNames = r.departmentNames.map((d, i) => departmentName(v, `department_names[${i}]`, d));
  if (departmentNames.length > REGISTRY_LIMITS.departmentsPerOrganisation)
    v.add("department_names", `at most ${REGISTRY_LIMITS.departmentsPerOrganisation} departments`);
  departmentNames.forEach((d, i) => {
    if (d && departmentNames.indexOf(d) !== i) v.add(`department_names[${i}]`, `duplicates department "${d}"`);
  });
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

/** A deactivated organisation stays on record unchanged. */
export function assertChangeable(organisationId: string, status: OrganisationStatus): void {
  if (status === "DEACTIVATED")
    throw new FailedPreconditionError([
      {
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${organisationId}`,
        description: "the organisation is deactivated and can no longer be changed",
      },
    ]);
}
