/**
 * What both sides of every comparison send and return: one realistic bulletin (GetBulletin
 * response) and one realistic event (BulletinPublished in CloudEvents Kafka binary mode).
 * Only generated contract code is loaded here, so baseline workers stay free of the chassis.
 */
import { randomUUID } from "node:crypto";
import type { CloudEvent } from "@jinlian/chassis";
import { bulletinsEventsV1, bulletinsV1 } from "@jinlian/proto";

export const ISSUER = { creditCode: "11120000MB1234567P", jurisdictionCode: "120000", name: "天津市司法局" };
/** The federation issuing jointly (联合印发), as the registry names it. */
export const CO_ISSUER = { creditCode: "51120000MJ0000001D", jurisdictionCode: "120000", name: "天津市工商业联合会" };
/** The approval (签发) every published bulletin carries. */
export const APPROVER = { name: "王五", position: "局长" };
export const TITLE = "关于民营企业法治体检工作进展的简报";
/** About 900 bytes of UTF-8, the size of a short work briefing. */
export const BODY = (
  "一、工作进展：各区司法局会同区工商联开展民营企业法治体检，覆盖企业数量稳步增长。" +
  "二、下一步安排：聚焦合同管理、劳动用工和知识产权保护，形成问题清单并跟踪整改。"
).repeat(4);
export const EVENT_TYPE = "jinlian.bulletins.bulletin.published.v1";
export const EVENT_SOURCE = "/jinlian/120000/bulletins";
export const EVENT_DATASCHEMA = "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinPublished";
/** The size of the W3C traceparent header the outbox relay adds to every message it sends. */
export const SAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/** What the bench's bulletin says and to whom: the same in the seeded bulletin and in every draft. */
const CONTENT = {
  kind: bulletinsV1.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
  issuer: ISSUER,
  title: TITLE,
  body: BODY,
  mainAudience: { allDistricts: false, jurisdictionCodes: ["120101", "120102", "120103"], organisations: [] },
  copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
  urgency: bulletinsV1.Urgency.URGENCY_ROUTINE,
  classification: bulletinsV1.Classification.CLASSIFICATION_INTERNAL,
};

/** A published bulletin with one version and read counts, as GetBulletin returns it. */
export function sampleBulletin(id = "6c1c2f1e-8a4a-4f43-9d5e-2b1d2d3c4e5f"): bulletinsV1.Bulletin {
  const at = new Date("2026-11-27T08:00:00.000Z");
  return {
    ...CONTENT,
    bulletinId: id,
    issuingJurisdictionCode: "120000",
    issueNumber: { year: 2026, number: 12 },
    displayNumber: "2026年第12期",
    acknowledgementDueTime: new Date(at.getTime() + 3 * 24 * 3600 * 1000),
    status: bulletinsV1.BulletinStatus.BULLETIN_STATUS_PUBLISHED,
    currentVersion: 1,
    versions: [
      {
        version: 1,
        change: bulletinsV1.VersionChange.VERSION_CHANGE_ORIGINAL,
        title: TITLE,
        body: BODY,
        reason: "",
        audit: { actor: "bench", reason: "", requestId: "bench-request", occurTime: at, jurisdictionCode: "120000" },
      },
    ],
    revision: 2,
    origin: bulletinsV1.Origin.ORIGIN_ISSUED,
    createTime: at,
    publishTime: at,
    updateTime: at,
    readSummary: { recipients: 3, read: 1, unread: 2, overdue: 0 },
    acknowledgementWindow: { seconds: String(3 * 24 * 3600), nanos: 0 },
    coIssuers: [CO_ISSUER],
    approval: {
      approver: APPROVER,
      audit: { actor: "bench", reason: "", requestId: "bench-approval", occurTime: at, jurisdictionCode: "120000" },
    },
  };
}

/** A work briefing's draft from the municipal justice bureau to three districts (CreateBulletinDraft). */
export function draftRequest(): bulletinsV1.CreateBulletinDraftRequest {
  return {
    ...CONTENT,
    acknowledgementWindow: { seconds: String(3 * 24 * 3600), nanos: 0 },
    reason: "",
    coIssuers: [],
  };
}

let cachedPayload: Uint8Array | undefined;

/** The protobuf data of a BulletinPublished event (the same bytes for every event). */
export function eventPayload(): Uint8Array {
  cachedPayload ??= bulletinsEventsV1.BulletinPublished.encode({
    bulletinId: "6c1c2f1e-8a4a-4f43-9d5e-2b1d2d3c4e5f",
    kind: bulletinsV1.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
    issuer: ISSUER,
    issuingJurisdictionCode: "120000",
    issueNumber: { year: 2026, number: 12 },
    title: TITLE,
    body: BODY,
    mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
    copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
    urgency: bulletinsV1.Urgency.URGENCY_ROUTINE,
    classification: bulletinsV1.Classification.CLASSIFICATION_INTERNAL,
    acknowledgementDueTime: new Date("2026-11-30T08:00:00.000Z"),
    version: 1,
    audit: {
      actor: "bench",
      reason: "",
      requestId: "bench-request",
      occurTime: new Date("2026-11-27T08:00:00.000Z"),
      jurisdictionCode: "120000",
    },
    acknowledgementWindowSeconds: String(3 * 24 * 3600),
    coIssuers: [CO_ISSUER],
    approval: {
      approver: APPROVER,
      audit: {
        actor: "bench",
        reason: "",
        requestId: "bench-approval",
        occurTime: new Date("2026-11-27T08:00:00.000Z"),
        jurisdictionCode: "120000",
      },
    },
  }).finish();
  return cachedPayload;
}

/** The chassis CloudEvent, as the bench builds it. */
export type BenchEvent = CloudEvent;

/** Event i of a run: a fresh id, one of 64 aggregates as the key (so all partitions get traffic). */
export function benchEvent(i: number): BenchEvent {
  return {
    id: randomUUID(),
    source: EVENT_SOURCE,
    type: EVENT_TYPE,
    time: new Date(),
    subject: `00000000-0000-4000-8000-${String(i % 64).padStart(12, "0")}`,
    dataschema: EVENT_DATASCHEMA,
    data: eventPayload(),
  };
}

/**
 * The Kafka message the chassis produces for an event: CloudEvents binary-mode headers (as
 * `toKafkaHeaders` writes them; run.ts checks they agree) plus a traceparent of the same size as
 * the one the relay adds, so baseline and outbox messages have the same size on the wire.
 */
export function kafkaMessage(event: BenchEvent): { key: string; value: Buffer; headers: Record<string, string> } {
  return {
    key: event.subject,
    value: Buffer.from(event.data),
    headers: {
      ce_specversion: "1.0",
      ce_id: event.id,
      ce_source: event.source,
      ce_type: event.type,
      ce_time: event.time.toISOString(),
      ce_subject: event.subject,
      ce_dataschema: event.dataschema,
      "content-type": "application/protobuf",
      traceparent: SAMPLE_TRACEPARENT,
    },
  };
}

/** The bulletin `bulletinId` as the city publishes it to one district (the fan-out's delivery). */
export function bulletinEvent(bulletinId: string): BenchEvent {
  return { ...benchEvent(0), subject: bulletinId };
}

/** District `district`'s read receipt (BulletinAcknowledged) for `bulletinId`, back to the city. */
export function receiptEvent(bulletinId: string, district: string): BenchEvent {
  return {
    id: randomUUID(),
    source: `/jinlian/${district}/bulletins`,
    type: "jinlian.bulletins.bulletin.acknowledged.v1",
    time: new Date(),
    subject: bulletinId,
    dataschema: "urn:jinlian:protobuf:jinlian.bulletins.events.v1.BulletinAcknowledged",
    data: bulletinsEventsV1.BulletinAcknowledged.encode({
      bulletinId,
      issuingJurisdictionCode: "120000",
      recipient: { recipient: { $case: "jurisdictionCode", value: district } },
      acknowledgedVersion: 1,
      readerName: "张三",
      audit: { actor: "bench", reason: "", requestId: "bench-request", occurTime: new Date(), jurisdictionCode: district },
      party: 0,
    }).finish(),
  };
}
