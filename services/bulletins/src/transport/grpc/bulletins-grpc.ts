import {
  actorOf,
  implement,
  MECHANISM,
  own,
  ownOrCity,
  type AccessRules,
  type Attribution,
  type Authenticator,
  type Authorizer,
  type CallContext,
  type Logger,
  type RegisteredService,
} from "@jinlian/chassis";
import { bulletinsV1 } from "@jinlian/proto";
import type { Duration } from "@jinlian/proto";
import { auditEntriesResponse, auditQueryOf, validateExpectedRevision, Violations } from "@jinlian/chassis";
import type { BulletinsApp, BulletinView } from "../../app/bulletins-app";
import {
  changeCodec,
  classificationCodec,
  kindCodec,
  organisationTypeCodec,
  originCodec,
  readFilterCodec,
  statusCodec,
  urgencyCodec,
} from "./codecs";
import {
  audienceFromProto,
  audienceToProto,
  orgFromProto,
  orgToProto,
  recipientFromProto,
  approvalToProto,
} from "../../domain/bulletin-events";
import type { Briefings } from "../../app/briefings";
import { briefingHandlers } from "./briefing-grpc";
import { officeFilterFrom } from "./office-grpc";
import { deliveryHandlers, partyFrom, readStatusResponse, toProtoReadStatus, type DeliveryUseCases } from "./delivery-grpc";
import type { KnownOrganisation, KnownOrganisationFilter, RegistryProjection } from "@jinlian/registry-projection";
import { displayNumber, LIMITS, type BulletinFilter, type DraftContent } from "../../domain/bulletin";

const P = bulletinsV1;

// Request bounds checked before any handler work (the chassis defaults cover every other field).
// A body is longer than the default string bound; twice its domain limit still bounds the work
// and leaves a slightly long body to the domain, which reports it with the draft's other
// violations. Audiences are capped at the recipient limit, so no element is looked at beyond it.
const bodyBound = 2 * LIMITS.bodyChars;
const draftLimits = {
  body: bodyBound,
  "mainAudience.jurisdictionCodes": LIMITS.recipients,
  "mainAudience.organisations": LIMITS.recipients,
  "copyAudience.jurisdictionCodes": LIMITS.recipients,
  "copyAudience.organisations": LIMITS.recipients,
} as const;

function windowSeconds(d: Duration | undefined): number | null {
  if (!d) return null;
  const seconds = Number(d.seconds);
  // Fractions of a second are not meaningful for a deadline; reject them rather than round.
  return d.nanos ? seconds + d.nanos / 1e9 : seconds;
}

/** Fields common to create and update; enums the contract does not define map to undefined. */
function contentFrom(
  r: bulletinsV1.CreateBulletinDraftRequest | bulletinsV1.UpdateBulletinDraftRequest,
): Omit<DraftContent, "kind" | "issuer"> {
  return {
    title: r.title,
    body: r.body,
    mainAudience: audienceFromProto(r.mainAudience),
    copyAudience: audienceFromProto(r.copyAudience),
    urgency: urgencyCodec.fromProto(r.urgency),
    classification: classificationCodec.fromProto(r.classification),
    acknowledgementWindowSeconds: windowSeconds(r.acknowledgementWindow),
  };
}

export function toProtoBulletin(v: BulletinView): bulletinsV1.Bulletin {
  const b = v.bulletin;
  return {
    bulletinId: b.bulletinId,
    kind: kindCodec.toProto(b.kind),
    issuer: orgToProto(b.issuer),
    issuingJurisdictionCode: b.issuingJurisdiction,
    issueNumber: b.issueNumber ? { ...b.issueNumber } : undefined,
    displayNumber: b.issueNumber ? displayNumber(b.issueNumber.year, b.issueNumber.number) : "",
    title: b.title,
    body: b.body,
    mainAudience: audienceToProto(b.mainAudience),
    copyAudience: audienceToProto(b.copyAudience),
    urgency: urgencyCodec.toProto(b.urgency),
    classification: classificationCodec.toProto(b.classification),
    acknowledgementDueTime: b.ackDueAt ?? undefined,
    status: statusCodec.toProto(b.status),
    currentVersion: b.currentVersion,
    versions: b.versions.map((x) => ({
      version: x.version,
      change: changeCodec.toProto(x.change),
      title: x.title,
      body: x.body,
      reason: x.reason,
      audit: { actor: x.actor, reason: x.reason, requestId: x.requestId, occurTime: x.occurredAt, jurisdictionCode: x.jurisdiction },
    })),
    revision: b.revision,
    origin: originCodec.toProto(b.origin),
    createTime: b.createdAt,
    publishTime: b.publishedAt ?? undefined,
    updateTime: b.updatedAt,
    readSummary: { ...v.readCounts },
    acknowledgementWindow: b.ackWindowSeconds === null ? undefined : { seconds: String(b.ackWindowSeconds), nanos: 0 },
    coIssuers: b.coIssuers.map(orgToProto),
    approval: approvalToProto(b.approval),
  };
}

/** The caller and the reason it gave: what the audit trail records of a mutation. */
function by(call: CallContext, reason: string): Attribution {
  return { actor: actorOf(call), reason };
}

function toProtoKnownOrganisation(o: KnownOrganisation): bulletinsV1.KnownOrganisation {
  return {
    organisationId: o.organisationId,
    organisation: { creditCode: o.creditCode, jurisdictionCode: o.jurisdictionCode, name: o.name },
    type: organisationTypeCodec.toProto(o.type),
    active: o.active,
    registryRevision: o.registryRevision,
  };
}

/** Every enum in a filter must be one the contract defines, or unspecified. */
function filterFrom(f: bulletinsV1.BulletinFilter | undefined): BulletinFilter {
  const v = new Violations();
  const out: BulletinFilter = {};
  if (!f) return out;
  const pick = <D>(field: string, value: number, codec: { fromProto(n: number): D | undefined }): D | undefined => {
    if (value === 0) return undefined;
    const d = codec.fromProto(value);
    if (d === undefined) v.add(`filter.${field}`, `unknown value ${value}`);
    return d;
  };
  out.kind = pick("kind", f.kind, kindCodec);
  out.readStatus = pick("read_status", f.readStatus, readFilterCodec);
  out.origin = pick("origin", f.origin, originCodec);
  out.status = pick("status", f.status, statusCodec);
  if (f.issuerCreditCode) out.issuerCreditCode = f.issuerCreditCode.trim();
  if (f.year) out.year = f.year;
  if (f.text.trim()) out.text = f.text.trim();
  Object.assign(out, officeFilterFrom(v, f));
  v.throwIfAny();
  for (const k of Object.keys(out) as (keyof BulletinFilter)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * Who may call each method. Only the issuing sides (a node's justice bureau and federation) draft,
 * approve, publish, correct or recall; a chamber a bulletin reaches (addressed or forwarded) reads
 * it, sees its unread work and acknowledges it, at its own node, where it is held. The city
 * oversees the districts' bulletins through the lists and the read status.
 */
const access = {
  createBulletinDraft: own(...MECHANISM),
  updateBulletinDraft: own(...MECHANISM),
  approveBulletin: own(...MECHANISM),
  deleteBulletinDraft: own(...MECHANISM),
  publishBulletin: own(...MECHANISM),
  correctBulletin: own(...MECHANISM),
  recallBulletin: own(...MECHANISM),
  // A draft like CreateBulletinDraft; only the city compiles (BRIEFINGS_AT_CITY elsewhere).
  compileBriefingDraft: own(...MECHANISM),
  // The node recipient (its bureau and federation) passes a bulletin on to its own organisations.
  forwardBulletin: own(...MECHANISM),
  acknowledgeBulletin: own(...MECHANISM, "CHAMBER"),
  // A chamber reads what it acknowledges; never admitted from the city, as it is held at its own node.
  getBulletin: own(...MECHANISM, "CHAMBER"),
  listUnreadBulletins: own(...MECHANISM, "CHAMBER"),
  // The whole node's bulletins, drafts included: the mechanism's view, not a recipient's.
  listBulletins: ownOrCity(...MECHANISM),
  getBulletinReadStatus: ownOrCity(...MECHANISM),
  // The organisations drafts and forwarding may name.
  listKnownOrganisations: ownOrCity(...MECHANISM),
  listAuditEntries: own(...MECHANISM),
} satisfies AccessRules<typeof P.BulletinsServiceService>;

export function bulletinsGrpcService(
  app: BulletinsApp,
  organisations: RegistryProjection,
  options: { logger: Logger; authenticator?: Authenticator; authorizer?: Authorizer },
  delivery: DeliveryUseCases,
  briefings: Briefings,
): RegisteredService {
  const implementation = implement(
    P.BulletinsServiceService,
    {
      async createBulletinDraft(req, call) {
        const kind = kindCodec.fromProto(req.kind);
        const content: DraftContent = {
          ...contentFrom(req),
          kind,
          issuer: req.issuer ? orgFromProto(req.issuer) : undefined,
          coIssuers: req.coIssuers.map(orgFromProto),
        };
        return { bulletin: toProtoBulletin(await app.createDraft(content, by(call, req.reason))) };
      },
      async updateBulletinDraft(req, call) {
        const v = new Violations();
        validateExpectedRevision(v, req.expectedRevision);
        v.throwIfAny();
        return {
          bulletin: toProtoBulletin(
            await app.updateDraft(
              req.bulletinId,
              req.expectedRevision,
              // Co-issuers change only when asked to (a request copied from the create request keeps them).
              { ...contentFrom(req), coIssuers: req.replaceCoIssuers ? req.coIssuers.map(orgFromProto) : undefined },
              by(call, req.reason),
            ),
          ),
        };
      },
      async publishBulletin(req, call) {
        const v = new Violations();
        validateExpectedRevision(v, req.expectedRevision);
        v.throwIfAny();
        return { bulletin: toProtoBulletin(await app.publish(req.bulletinId, req.expectedRevision, by(call, req.reason))) };
      },
      async correctBulletin(req, call) {
        const v = new Violations();
        validateExpectedRevision(v, req.expectedRevision);
        v.throwIfAny();
        return {
          bulletin: toProtoBulletin(
            await app.correct(
              req.bulletinId,
              req.expectedRevision,
              {
                title: req.title,
                body: req.body,
                mainAudience: req.mainAudience ? audienceFromProto(req.mainAudience) : undefined,
                copyAudience: req.copyAudience ? audienceFromProto(req.copyAudience) : undefined,
              },
              by(call, req.reason),
            ),
          ),
        };
      },
      async recallBulletin(req, call) {
        const v = new Violations();
        validateExpectedRevision(v, req.expectedRevision);
        v.throwIfAny();
        return { bulletin: toProtoBulletin(await app.recall(req.bulletinId, req.expectedRevision, by(call, req.reason))) };
      },
      async approveBulletin(req, call) {
        const v = new Violations();
        validateExpectedRevision(v, req.expectedRevision);
        v.throwIfAny();
        return { bulletin: toProtoBulletin(await app.approve(req.bulletinId, req.expectedRevision, req.approver, by(call, req.reason))) };
      },
      async deleteBulletinDraft(req, call) {
        const v = new Violations();
        validateExpectedRevision(v, req.expectedRevision);
        v.throwIfAny();
        return { bulletinId: await app.deleteDraft(req.bulletinId, req.expectedRevision, by(call, req.reason)) };
      },
      async getBulletin(req) {
        return { bulletin: toProtoBulletin(await app.viewFor(req.bulletinId, req.readerCreditCode)) };
      },
      async listBulletins(req) {
        const filter = filterFrom(req.filter);
        const reader = await app.reader(req.readerCreditCode, "reader_credit_code");
        const result = await app.list(filter, req.page?.pageSize ?? 0, req.page?.pageToken ?? "", reader);
        return { bulletins: result.items.map(toProtoBulletin), page: { nextPageToken: result.nextPageToken, totalSize: result.totalSize } };
      },
      async acknowledgeBulletin(req, call) {
        const status = await app.acknowledge(
          req.bulletinId,
          recipientFromProto(req.recipient),
          req.version,
          req.readerName.trim(),
          by(call, req.reason),
          partyFrom(req.party),
        );
        return { readStatus: toProtoReadStatus(status) };
      },
      async listKnownOrganisations(req) {
        const filter: KnownOrganisationFilter = {};
        if (req.jurisdictionCode.trim()) filter.jurisdictionCode = req.jurisdictionCode.trim();
        if (req.text.trim()) filter.text = req.text.trim();
        const result = await organisations.list(filter, req.page?.pageSize ?? 0, req.page?.pageToken ?? "");
        return {
          organisations: result.items.map(toProtoKnownOrganisation),
          page: { nextPageToken: result.nextPageToken, totalSize: result.totalSize },
        };
      },
      async getBulletinReadStatus(req) {
        return readStatusResponse(app, req);
      },
      // 转发 and unread work (delivery-grpc.ts).
      ...deliveryHandlers(delivery, toProtoBulletin, by),
      // 工作简报 compiled from the districts' statistics (briefing-grpc.ts).
      ...briefingHandlers(briefings, toProtoBulletin, by),
      async listAuditEntries(req) {
        const v = new Violations();
        return auditEntriesResponse(await app.auditEntries(auditQueryOf(req, v), v));
      },
    },
    {
      ...options,
      access,
      limits: { createBulletinDraft: draftLimits, updateBulletinDraft: draftLimits, correctBulletin: draftLimits },
    },
  );
  return { name: "jinlian.bulletins.v1.BulletinsService", definition: P.BulletinsServiceService, implementation };
}
