import { actorOf, implement, type Authenticator, type Authorizer, type Logger, type RegisteredService } from "@jinlian/chassis";
import { bulletinsV1 } from "@jinlian/proto";
import type { Duration } from "@jinlian/proto";
import { Violations } from "@jinlian/chassis";
import type { BulletinsApp, BulletinView, ListFilter, RecipientStatus } from "../../app/bulletins-app";
import {
  changeCodec,
  classificationCodec,
  kindCodec,
  organisationTypeCodec,
  originCodec,
  readFilterCodec,
  readStateCodec,
  roleCodec,
  statusCodec,
  urgencyCodec,
} from "../../app/codecs";
import { audienceFromProto, audienceToProto, orgFromProto, recipientFromProto, recipientToProto } from "../../app/events";
import type { KnownOrganisationFilter, OrganisationProjection } from "../../app/organisation-projection";
import { displayNumber, type DraftContent } from "../../domain/bulletin";
import type { KnownOrganisation } from "../../domain/known-organisation";

const P = bulletinsV1;

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
  const r = v.row;
  return {
    bulletinId: r.bulletin_id,
    kind: kindCodec.toProto(r.kind),
    issuer: { creditCode: r.issuer_credit_code, jurisdictionCode: r.issuer_jurisdiction, name: r.issuer_name },
    issuingJurisdictionCode: r.issuing_jurisdiction,
    issueNumber: r.year !== null && r.number !== null ? { year: r.year, number: r.number } : undefined,
    displayNumber: r.year !== null && r.number !== null ? displayNumber(r.year, r.number) : "",
    title: r.title,
    body: r.body,
    mainAudience: audienceToProto(r.main_audience),
    copyAudience: audienceToProto(r.copy_audience),
    urgency: urgencyCodec.toProto(r.urgency),
    classification: classificationCodec.toProto(r.classification),
    acknowledgementDueTime: r.ack_due_at ?? undefined,
    status: statusCodec.toProto(r.status),
    currentVersion: r.current_version,
    versions: v.versions.map((x) => ({
      version: x.version,
      change: changeCodec.toProto(x.change),
      title: x.title,
      body: x.body,
      reason: x.reason,
      audit: { actor: x.actor, reason: x.reason, requestId: x.request_id, occurTime: x.occurred_at, jurisdictionCode: x.jurisdiction },
    })),
    revision: r.revision,
    origin: originCodec.toProto(r.origin),
    createTime: r.created_at,
    publishTime: r.published_at ?? undefined,
    updateTime: r.updated_at,
    readSummary: { ...v.readCounts },
    acknowledgementWindow: r.ack_window_seconds === null ? undefined : { seconds: String(r.ack_window_seconds), nanos: 0 },
  };
}

function toProtoReadStatus(s: RecipientStatus): bulletinsV1.RecipientReadStatus {
  return {
    recipient: recipientToProto(s.row.recipient),
    role: roleCodec.toProto(s.row.role),
    deliveryJurisdictionCode: s.row.delivery_jurisdiction,
    state: readStateCodec.toProto(s.state),
    acknowledgedVersion: s.row.acknowledged_version,
    acknowledgeTime: s.row.acknowledged_at ?? undefined,
    acknowledgedBy: s.row.acknowledged_by ?? "",
    readerName: s.row.reader_name ?? "",
  };
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

function revision(v: Violations, value: number): number {
  if (value < 0) v.add("expected_revision", "must be 0 (no check) or a revision returned by the service");
  return value;
}

/** Every enum in a filter must be one the contract defines, or unspecified. */
function filterFrom(f: bulletinsV1.BulletinFilter | undefined): ListFilter {
  const v = new Violations();
  const out: ListFilter = {};
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
  v.throwIfAny();
  for (const k of Object.keys(out) as (keyof ListFilter)[]) if (out[k] === undefined) delete out[k];
  return out;
}

export function bulletinsGrpcService(
  app: BulletinsApp,
  organisations: OrganisationProjection,
  options: { logger: Logger; authenticator?: Authenticator; authorizer?: Authorizer },
): RegisteredService {
  const implementation = implement(
    P.BulletinsServiceService,
    {
      async createBulletinDraft(req, call) {
        const kind = kindCodec.fromProto(req.kind);
        const content: DraftContent = { ...contentFrom(req), kind, issuer: req.issuer ? orgFromProto(req.issuer) : undefined };
        return { bulletin: toProtoBulletin(await app.createDraft(content, actorOf(call))) };
      },
      async updateBulletinDraft(req, call) {
        const v = new Violations();
        revision(v, req.expectedRevision);
        v.throwIfAny();
        return { bulletin: toProtoBulletin(await app.updateDraft(req.bulletinId, req.expectedRevision, contentFrom(req), actorOf(call))) };
      },
      async publishBulletin(req, call) {
        const v = new Violations();
        revision(v, req.expectedRevision);
        v.throwIfAny();
        return { bulletin: toProtoBulletin(await app.publish(req.bulletinId, req.expectedRevision, actorOf(call))) };
      },
      async correctBulletin(req, call) {
        const v = new Violations();
        revision(v, req.expectedRevision);
        v.throwIfAny();
        return {
          bulletin: toProtoBulletin(
            await app.correct(req.bulletinId, req.expectedRevision, req.title, req.body, req.reason, actorOf(call)),
          ),
        };
      },
      async recallBulletin(req, call) {
        const v = new Violations();
        revision(v, req.expectedRevision);
        v.throwIfAny();
        return { bulletin: toProtoBulletin(await app.recall(req.bulletinId, req.expectedRevision, req.reason, actorOf(call))) };
      },
      async getBulletin(req) {
        return { bulletin: toProtoBulletin(await app.view(req.bulletinId)) };
      },
      async listBulletins(req) {
        const result = await app.list(filterFrom(req.filter), req.page?.pageSize ?? 0, req.page?.pageToken ?? "");
        return { bulletins: result.items.map(toProtoBulletin), page: { nextPageToken: result.nextPageToken, totalSize: result.totalSize } };
      },
      async acknowledgeBulletin(req, call) {
        const status = await app.acknowledge(
          req.bulletinId,
          recipientFromProto(req.recipient),
          req.version,
          req.readerName.trim(),
          actorOf(call),
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
        const { bulletin, recipients } = await app.readStatus(req.bulletinId);
        const list = recipients.map(toProtoReadStatus);
        const count = (s: string) => recipients.filter((r) => r.state === s).length;
        return {
          bulletinId: bulletin.bulletin_id,
          currentVersion: bulletin.current_version,
          acknowledgementDueTime: bulletin.ack_due_at ?? undefined,
          recipients: list,
          summary: { recipients: recipients.length, read: count("READ"), unread: count("UNREAD"), overdue: count("OVERDUE") },
        };
      },
    },
    options,
  );
  return { name: "jinlian.bulletins.v1.BulletinsService", definition: P.BulletinsServiceService, implementation };
}
