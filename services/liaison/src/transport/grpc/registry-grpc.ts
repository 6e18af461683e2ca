import {
  actorOf,
  implement,
  MECHANISM,
  own,
  validateExpectedRevision,
  Violations,
  type AccessRules,
  type RegisteredService,
} from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { HandlerOptions as GrpcOptions } from "@jinlian/chassis";
import { optionalEnum } from "../../app/codecs";
import type { RegistryApp } from "../../app/registry-app";
import { REGISTRY_LIMITS, type Organisation, type OrganisationFilter } from "../../domain/registry";
import { organisationStatusCodec, organisationToProto, organisationTypeCodec } from "../../domain/registry-events";

const P = liaisonV1;

function revisionOf(value: number): number {
  const v = new Violations();
  validateExpectedRevision(v, value);
  v.throwIfAny();
  return value;
}

function filterFrom(f: liaisonV1.OrganisationFilter | undefined): OrganisationFilter & { memberOfCreditCode?: string } {
  const v = new Violations();
  const out: OrganisationFilter & { memberOfCreditCode?: string } = {};
  if (!f) return out;
  const type = optionalEnum(v, "filter.type", f.type, organisationTypeCodec);
  const status = optionalEnum(v, "filter.status", f.status, organisationStatusCodec);
  v.throwIfAny();
  if (type) out.type = type;
  if (status) out.status = status;
  if (f.jurisdictionCode.trim()) out.jurisdictionCode = f.jurisdictionCode.trim();
  if (f.text.trim()) out.text = f.text.trim();
  if (f.industrySection.trim()) out.industrySection = f.industrySection.trim().toUpperCase();
  if (f.memberOfOrganisationId.trim()) out.memberOfOrganisationId = f.memberOfOrganisationId.trim().toLowerCase();
  if (f.memberOfCreditCode.trim()) out.memberOfCreditCode = f.memberOfCreditCode.trim().toUpperCase();
  return out;
}

// The registry of parties is kept by the mechanism's two sides of the node. Reads stay with the
// node too: an organisation answers with its liaison contacts' names, phones and e-mails.
const access = {
  registerOrganisation: own(...MECHANISM),
  getOrganisation: own(...MECHANISM),
  listOrganisations: own(...MECHANISM),
  updateOrganisation: own(...MECHANISM),
  addDepartment: own(...MECHANISM),
  removeDepartment: own(...MECHANISM),
  addLiaisonContact: own(...MECHANISM),
  removeLiaisonContact: own(...MECHANISM),
  deactivateOrganisation: own(...MECHANISM),
  correctOrganisation: own(...MECHANISM),
  updateLiaisonContact: own(...MECHANISM),
  updateAffiliations: own(...MECHANISM),
  reactivateOrganisation: own(...MECHANISM),
  moveOrganisation: own(...MECHANISM),
} satisfies AccessRules<typeof liaisonV1.RegistryServiceService>;

export function registryGrpcService(app: RegistryApp, here: string, options: GrpcOptions): RegisteredService {
  const toProto = (o: Organisation) => organisationToProto(o, here);
  const implementation = implement(
    P.RegistryServiceService,
    {
      async registerOrganisation(req, call) {
        const type = req.type === 0 ? undefined : organisationTypeCodec.fromProto(req.type);
        if (req.type !== 0 && !type) new Violations().add("type", `unknown value ${req.type}`).throwIfAny();
        const organisation = await app.register(
          {
            type,
            name: req.name,
            creditCode: req.creditCode,
            jurisdictionCode: req.jurisdictionCode,
            departmentNames: req.departmentNames,
          },
          req.reason,
          actorOf(call),
          req.affiliations,
          req.chamber,
        );
        return { organisation: toProto(organisation) };
      },
      async getOrganisation(req) {
        return { organisation: toProto(await app.view(req.organisationId)) };
      },
      async listOrganisations(req) {
        const r = await app.list(filterFrom(req.filter), req.page?.pageSize ?? 0, req.page?.pageToken ?? "");
        return { organisations: r.items.map(toProto), page: { nextPageToken: r.nextPageToken, totalSize: r.totalSize } };
      },
      async updateOrganisation(req, call) {
        const o = await app.rename(req.organisationId, revisionOf(req.expectedRevision), req.name, req.reason, actorOf(call));
        return { organisation: toProto(o) };
      },
      async addDepartment(req, call) {
        const r = await app.addDepartment(req.organisationId, revisionOf(req.expectedRevision), req.name, req.reason, actorOf(call));
        const organisation = toProto(r.organisation);
        return { organisation, department: organisation.departments.find((d) => d.departmentId === r.departmentId) };
      },
      async removeDepartment(req, call) {
        const o = await app.removeDepartment(
          req.organisationId,
          revisionOf(req.expectedRevision),
          req.departmentId,
          req.reason,
          actorOf(call),
        );
        return { organisation: toProto(o) };
      },
      async addLiaisonContact(req, call) {
        const r = await app.addContact(req.organisationId, revisionOf(req.expectedRevision), req.contact, req.reason, actorOf(call));
        const organisation = toProto(r.organisation);
        return { organisation, contact: organisation.contacts.find((c) => c.contactId === r.contactId) };
      },
      async removeLiaisonContact(req, call) {
        const o = await app.removeContact(req.organisationId, revisionOf(req.expectedRevision), req.contactId, req.reason, actorOf(call));
        return { organisation: toProto(o) };
      },
      async deactivateOrganisation(req, call) {
        const o = await app.deactivate(req.organisationId, revisionOf(req.expectedRevision), req.reason, actorOf(call));
        return { organisation: toProto(o) };
      },
      async correctOrganisation(req, call) {
        const type = req.type === 0 ? undefined : organisationTypeCodec.fromProto(req.type);
        if (req.type !== 0 && !type) new Violations().add("type", `unknown value ${req.type}`).throwIfAny();
        const o = await app.correct(
          req.organisationId,
          revisionOf(req.expectedRevision),
          { type, name: req.name, creditCode: req.creditCode, jurisdictionCode: req.jurisdictionCode, chamber: req.chamber },
          req.reason,
          actorOf(call),
        );
        return { organisation: toProto(o) };
      },
      async updateLiaisonContact(req, call) {
        const r = await app.updateContact(req.organisationId, revisionOf(req.expectedRevision), req.contact, req.reason, actorOf(call));
        const organisation = toProto(r.organisation);
        return { organisation, contact: organisation.contacts.find((c) => c.contactId === r.contactId) };
      },
      async updateAffiliations(req, call) {
        const o = await app.updateAffiliations(
          req.organisationId,
          revisionOf(req.expectedRevision),
          req.affiliations,
          req.reason,
          actorOf(call),
        );
        return { organisation: toProto(o) };
      },
      async reactivateOrganisation(req, call) {
        const o = await app.reactivate(req.organisationId, revisionOf(req.expectedRevision), req.reason, actorOf(call));
        return { organisation: toProto(o) };
      },
      async moveOrganisation(req, call) {
        const o = await app.move(
          req.organisationId,
          revisionOf(req.expectedRevision),
          req.toRegistryJurisdictionCode,
          req.jurisdictionCode,
          req.reason,
          actorOf(call),
        );
        return { organisation: toProto(o) };
      },
    },
    // Bounded before any handler work; per-name rules stay in the domain.
    {
      ...options,
      access,
      limits: {
        registerOrganisation: {
          departmentNames: REGISTRY_LIMITS.departmentsPerOrganisation,
          "affiliations.memberOf": REGISTRY_LIMITS.memberships,
        },
        updateAffiliations: { "affiliations.memberOf": REGISTRY_LIMITS.memberships },
      },
    },
  );
  return { name: "jinlian.liaison.v1.RegistryService", definition: P.RegistryServiceService, implementation };
}
