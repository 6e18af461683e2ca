/**
 * How a bare baseline maps the bulletins tables' rows to the contract's Bulletin by hand (no
 * chassis, no domain): what a service without the platform would write. Used by the baselines of
 * GetBulletin (a published bulletin with its versions) and CreateBulletinDraft (a new draft).
 */
import { bulletinsV1 } from "@jinlian/proto";

const P = bulletinsV1;
const enumOf = (e: Record<string, string | number>, prefix: string, v: string) => e[`${prefix}${v}`] as number;

/* eslint-disable @typescript-eslint/no-explicit-any -- rows straight from pg, as a bare service has them */
export function bulletinOfRow(
  r: any,
  versions: any[],
  counts: { recipients: number; read: number; overdue: number },
): bulletinsV1.Bulletin {
  return {
    bulletinId: r.bulletin_id,
    kind: enumOf(P.BulletinKind, "BULLETIN_KIND_", r.kind),
    issuer: { creditCode: r.issuer_credit_code, jurisdictionCode: r.issuer_jurisdiction, name: r.issuer_name },
    issuingJurisdictionCode: r.issuing_jurisdiction,
    issueNumber: r.year !== null ? { year: r.year, number: r.number } : undefined,
    displayNumber: r.year !== null ? `${r.year}年第${r.number}期` : "",
    title: r.title,
    body: r.body,
    mainAudience: r.main_audience,
    copyAudience: r.copy_audience,
    urgency: enumOf(P.Urgency, "URGENCY_", r.urgency),
    classification: enumOf(P.Classification, "CLASSIFICATION_", r.classification),
    acknowledgementDueTime: r.ack_due_at ?? undefined,
    status: enumOf(P.BulletinStatus, "BULLETIN_STATUS_", r.status),
    currentVersion: r.current_version,
    versions: versions.map((x) => ({
      version: x.version,
      change: enumOf(P.VersionChange, "VERSION_CHANGE_", x.change),
      title: x.title,
      body: x.body,
      reason: x.reason,
      audit: { actor: x.actor, reason: x.reason, requestId: x.request_id, occurTime: x.occurred_at, jurisdictionCode: x.jurisdiction },
    })),
    revision: r.revision,
    origin: enumOf(P.Origin, "ORIGIN_", r.origin),
    createTime: r.created_at,
    publishTime: r.published_at ?? undefined,
    updateTime: r.updated_at,
    readSummary: { ...counts, unread: counts.recipients - counts.read - counts.overdue },
    acknowledgementWindow: r.ack_window_seconds === null ? undefined : { seconds: String(r.ack_window_seconds), nanos: 0 },
    coIssuers: r.co_issuers,
    approval: r.approval
      ? {
          approver: { name: r.approval.approverName, position: r.approval.approverPosition },
          audit: {
            actor: r.approval.actor,
            reason: r.approval.reason,
            requestId: r.approval.requestId,
            occurTime: new Date(r.approval.at),
            jurisdictionCode: r.approval.jurisdiction,
          },
        }
      : undefined,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
