import { implement, Violations, type RegisteredService } from "@jinlian/chassis";
import { liaisonV1 } from "@jinlian/proto";
import type { GrpcOptions } from "../../app/area";
import { optionalEnum, organisationStatusCodec, organisationTypeCodec } from "../../app/codecs";
import { organisationToProto, type OrganisationFilter, type RegistryApp } from "../../app/registry-app";
import { actorOf, checkExpectedRevision } from "../../app/support";
import type { OrganisationAggregate } from "../../persistence/registry-repository";

const P = liaisonV1;

function revisionOf(value: number): number {
  const v = new Violations();
  checkExpectedRevision(v, value);
  v.throwIfAny();
  return value;
}

function filterFrom(f: liaisonV1.OrganisationFilter | undefined): OrganisationFilter {
  const v = new Violations();
  const out: OrganisationFilter = {};
  if (!f) return out;
  const type = optionalEnum(v, "filter.type", f.type, organisationTypeCodec);
  const status = optionalEnum(v, "filter.status", f.status, organisationStatusCodec);
  v.throwIfAny();
  if (type) out.type = type;
  if (status) out.status = status;
  if (f.jurisdictionCode.trim()) out.jurisdictionCode = f.jurisdictionCode.trim();
  if (f.text.trim()) out.text = f.text.trim();
  return out;
}

export function registryGrpcService(app: RegistryApp, here: string, options: GrpcOptions): RegisteredService {
  const toProto = (a: OrganisationAggregate) => organisationToProto(a, here);
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
    },
    options,
  );
  return { name: "jinlian.liaison.v1.RegistryService", definition: P.RegistryServiceService, implementation };
}
