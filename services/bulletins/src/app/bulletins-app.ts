import {
  AbortedError,
  type Actor,
  appendToOutbox,
  type Clock,
  containsPattern,
  deliveryTopic,
  type IdGenerator,
  InvalidArgumentError,
  isJurisdictionCode,
  isUuid,
  type Logger,
  type NodeIdentity,
  NotFoundError,
  onceForKey,
  type OutgoingEvent,
  pageOf,
  readPageRequest,
  Violations,
} from "@jinlian/chassis";
import { bulletinsEventsV1 } from "@jinlian/proto";
import { bulletinsEvents, type EventDescriptor, type ReceivedEvent } from "@jinlian/chassis";
import type { Knex } from "knex";
import {
  acknowledgedVersionFor,
  acknowledgementDue,
  assertCanChange,
  deliveryNodes,
  issueYear,
  LIMITS,
  readState,
  recipientKey,
  resolveRecipients,
  validateDraft,
  validateReason,
  type BulletinKind,
  type BulletinStatus,
  type DraftContent,
  type Origin,
  type ReadState,
  type Recipient,
  type ValidDraft,
} from "../domain/bulletin";
import { repository, stateOf, type BulletinRow, type ReadCounts, type RecipientRow, type VersionRow } from "../persistence/repository";
import { classificationCodec, kindCodec, urgencyCodec } from "./codecs";
import { audienceToProto, cloudEvent, orgToProto, recipientFromProto, recipientToProto, SERVICE } from "./events";
import { assertNoDeactivatedOrganisation } from "./organisation-projection";

export interface BulletinView {
  row: BulletinRow;
  versions: VersionRow[];
  readCounts: ReadCounts;
}

export interface RecipientStatus {
  row: RecipientRow;
  state: ReadState;
}

export interface ListFilter {
  issuerCreditCode?: string;
  kind?: BulletinKind;
  year?: number;
  text?: string;
  readStatus?: "ALL_READ" | "HAS_UNREAD" | "HAS_OVERDUE";
  origin?: Origin;
  status?: BulletinStatus;
}

const EMPTY_COUNTS: ReadCounts = { recipients: 0, read: 0, unread: 0, overdue: 0 };

/** The columns a draft's content fills. */
function draftColumns(draft: ValidDraft) {
  return {
    title: draft.title,
    body: draft.body,
    main_audience: draft.mainAudience,
    copy_audience: draft.copyAudience,
    urgency: draft.urgency,
    classification: draft.classification,
    ack_window_seconds: draft.acknowledgementWindowSeconds,
  };
}

export function assertBulletinId(id: string, field = "bulletin_id"): void {
  if (!isUuid(id)) throw new InvalidArgumentError([{ field, description: "must be a UUID" }]);
}

export interface BulletinsAppDeps {
  db: Knex;
  schema: string;
  node: NodeIdentity;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

/**
 * Use cases of the bulletins service. Each mutation runs in one transaction with the outbox
 * rows it produces; inbound events are applied in the consumer's inbox transaction.
 */
export class BulletinsApp {
  constructor(private readonly deps: BulletinsAppDeps) {}

  private get here(): string {
    return this.deps.node.jurisdictionCode;
  }

  private topicTo(node: string): string {
    return deliveryTopic(this.deps.node.topicNamespace, SERVICE, this.here, node);
  }

  private async load(trx: Knex | Knex.Transaction, id: string, forUpdate = false): Promise<BulletinRow> {
    assertBulletinId(id);
    const row = await repository.find(trx, id, forUpdate);
    if (!row) throw new NotFoundError("bulletin", id);
    return row;
  }

  private checkRevision(row: BulletinRow, expected: number): void {
    if (expected !== 0 && expected !== row.revision)
      throw new AbortedError(`bulletin ${row.bulletin_id} is at revision ${row.revision}, not ${expected}; re-read and retry`);
  }

  /**
   * One mutation of one bulletin: a transaction, at most once per caller request id, answered
   * with the bulletin as it stands after the change (or, for a repeat, as it stands now).
   */
  private mutation(scope: string, id: string, actor: Actor, change: (trx: Knex.Transaction) => Promise<void>): Promise<BulletinView> {
    assertBulletinId(id);
    return this.deps.db.transaction(async (trx) => {
      await onceForKey(trx, `${scope}:${id}`, actor.idempotencyKey, async () => {
        await change(trx);
        return id;
      });
      return this.view(id, trx);
    });
  }

  async view(id: string, db: Knex | Knex.Transaction = this.deps.db): Promise<BulletinView> {
    const row = await this.load(db, id);
    const versions = await repository.versions(db as Knex, id);
    const counts = await repository.readCounts(db as Knex, [id], this.deps.clock.now());
    return { row, versions, readCounts: counts.get(id) ?? EMPTY_COUNTS };
  }

  async createDraft(content: DraftContent, actor: Actor): Promise<BulletinView> {
    const draft = validateDraft(content, this.here);
    const now = this.deps.clock.now();
    const { result: created, replayed } = await this.deps.db.transaction((trx) =>
      onceForKey(trx, "CreateBulletinDraft", actor.idempotencyKey, async () => {
        await assertNoDeactivatedOrganisation(trx, draft.issuer, draft.mainAudience, draft.copyAudience);
        const id = this.deps.ids.newId();
        await repository.insert(trx, {
          bulletin_id: id,
          origin: "ISSUED",
          kind: draft.kind,
          issuer_credit_code: draft.issuer.creditCode,
          issuer_name: draft.issuer.name,
          issuer_jurisdiction: draft.issuer.jurisdictionCode,
          issuing_jurisdiction: this.here,
          year: null,
          number: null,
          ...draftColumns(draft),
          ack_due_at: null,
          status: "DRAFT",
          current_version: 0,
          revision: 1,
          created_by: actor.subject,
          created_at: now,
          published_at: null,
          updated_at: now,
        });
        return id;
      }),
    );
    if (!replayed) this.deps.logger.info({ bulletin_id: created, actor: actor.subject }, "bulletin draft created");
    return this.view(created);
  }

  async updateDraft(
    id: string,
    expectedRevision: number,
    content: Omit<DraftContent, "kind" | "issuer">,
    actor: Actor,
  ): Promise<BulletinView> {
    return this.mutation("UpdateBulletinDraft", id, actor, async (trx) => {
      const row = await this.load(trx, id, true);
      assertCanChange(stateOf(row), "update");
      this.checkRevision(row, expectedRevision);
      const draft = validateDraft(
        {
          ...content,
          kind: row.kind,
          issuer: { creditCode: row.issuer_credit_code, jurisdictionCode: row.issuer_jurisdiction, name: row.issuer_name },
        },
        this.here,
      );
      await assertNoDeactivatedOrganisation(trx, draft.issuer, draft.mainAudience, draft.copyAudience);
      await repository.update(trx, id, {
        ...draftColumns(draft),
        revision: row.revision + 1,
        updated_at: this.deps.clock.now(),
      });
    });
  }

  async publish(id: string, expectedRevision: number, actor: Actor): Promise<BulletinView> {
    return this.mutation("PublishBulletin", id, actor, async (trx) => {
      const row = await this.load(trx, id, true);
      assertCanChange(stateOf(row), "publish");
      this.checkRevision(row, expectedRevision);
      // An organisation deactivated since the draft was written is not addressed either.
      await assertNoDeactivatedOrganisation(
        trx,
        { creditCode: row.issuer_credit_code, jurisdictionCode: row.issuer_jurisdiction, name: row.issuer_name },
        row.main_audience,
        row.copy_audience,
      );
      const now = this.deps.clock.now();
      const year = issueYear(now);
      const number = await repository.nextIssueNumber(trx, row.issuer_credit_code, row.kind, year);
      const due = acknowledgementDue(now, row.ack_window_seconds);
      const recipients = resolveRecipients(row.main_audience, row.copy_audience, this.here);
      await repository.update(trx, id, {
        year,
        number,
        status: "PUBLISHED",
        current_version: 1,
        ack_due_at: due,
        published_at: now,
        updated_at: now,
        revision: row.revision + 1,
      });
      await repository.insertVersion(trx, {
        bulletin_id: id,
        version: 1,
        change: "ORIGINAL",
        title: row.title,
        body: row.body,
        reason: "",
        actor: actor.subject,
        request_id: actor.requestId,
        jurisdiction: this.here,
        occurred_at: now,
        ack_due_at: due,
      });
      await repository.insertRecipients(
        trx,
        recipients.map((r) => ({
          bulletin_id: id,
          recipient_key: r.key,
          recipient: r.recipient,
          role: r.role,
          delivery_jurisdiction: r.deliveryJurisdiction,
        })),
      );
      const payload = bulletinsEventsV1.BulletinPublished.encode({
        bulletinId: id,
        kind: kindCodec.toProto(row.kind),
        issuer: orgToProto({ creditCode: row.issuer_credit_code, jurisdictionCode: row.issuer_jurisdiction, name: row.issuer_name }),
        issuingJurisdictionCode: this.here,
        issueNumber: { year, number },
        title: row.title,
        body: row.body,
        mainAudience: audienceToProto(row.main_audience),
        copyAudience: audienceToProto(row.copy_audience),
        urgency: urgencyCodec.toProto(row.urgency),
        classification: classificationCodec.toProto(row.classification),
        acknowledgementDueTime: due ?? undefined,
        version: 1,
        audit: this.audit(actor, "", now),
        acknowledgementWindowSeconds: String(row.ack_window_seconds ?? 0),
      }).finish();
      const nodes = deliveryNodes(recipients, this.here);
      await this.emit(trx, id, bulletinsEvents.published, now, payload, nodes);
      this.deps.logger.info({ bulletin_id: id, year, number, nodes }, "bulletin published");
    });
  }

  async correct(id: string, expectedRevision: number, title: string, body: string, reason: string, actor: Actor): Promise<BulletinView> {
    const v = new Violations();
    if (title.trim().length === 0) v.add("title", "is required");
    else if ([...title].length > LIMITS.titleChars) v.add("title", `must be at most ${LIMITS.titleChars} characters`);
    if (body.trim().length === 0) v.add("body", "is required");
    else if ([...body].length > LIMITS.bodyChars) v.add("body", `must be at most ${LIMITS.bodyChars} characters`);
    if (reason.trim().length === 0) v.add("reason", "is required");
    else if ([...reason].length > LIMITS.reasonChars) v.add("reason", `must be at most ${LIMITS.reasonChars} characters`);
    v.throwIfAny();
    return this.mutation("CorrectBulletin", id, actor, async (trx) => {
      const row = await this.load(trx, id, true);
      assertCanChange(stateOf(row), "correct");
      this.checkRevision(row, expectedRevision);
      const now = this.deps.clock.now();
      const version = row.current_version + 1;
      const due = acknowledgementDue(now, row.ack_window_seconds);
      await repository.update(trx, id, {
        title,
        body,
        current_version: version,
        ack_due_at: due,
        updated_at: now,
        revision: row.revision + 1,
      });
      await repository.insertVersion(trx, {
        bulletin_id: id,
        version,
        change: "CORRECTION",
        title,
        body,
        reason,
        actor: actor.subject,
        request_id: actor.requestId,
        jurisdiction: this.here,
        occurred_at: now,
        ack_due_at: due,
      });
      const payload = bulletinsEventsV1.BulletinCorrected.encode({
        bulletinId: id,
        issuingJurisdictionCode: this.here,
        version,
        supersedesVersion: row.current_version,
        title,
        body,
        acknowledgementDueTime: due ?? undefined,
        audit: this.audit(actor, reason, now),
      }).finish();
      await this.emit(trx, id, bulletinsEvents.corrected, now, payload, await this.recipientNodes(trx, id));
    });
  }

  async recall(id: string, expectedRevision: number, reason: string, actor: Actor): Promise<BulletinView> {
    validateReason(reason);
    return this.mutation("RecallBulletin", id, actor, async (trx) => {
      const row = await this.load(trx, id, true);
      assertCanChange(stateOf(row), "recall");
      this.checkRevision(row, expectedRevision);
      const now = this.deps.clock.now();
      const version = row.current_version + 1;
      await repository.update(trx, id, {
        status: "RECALLED",
        current_version: version,
        ack_due_at: null,
        updated_at: now,
        revision: row.revision + 1,
      });
      await repository.insertVersion(trx, {
        bulletin_id: id,
        version,
        change: "RECALL",
        title: row.title,
        body: row.body,
        reason,
        actor: actor.subject,
        request_id: actor.requestId,
        jurisdiction: this.here,
        occurred_at: now,
        ack_due_at: null,
      });
      const payload = bulletinsEventsV1.BulletinRecalled.encode({
        bulletinId: id,
        issuingJurisdictionCode: this.here,
        version,
        supersedesVersion: row.current_version,
        audit: this.audit(actor, reason, now),
      }).finish();
      await this.emit(trx, id, bulletinsEvents.recalled, now, payload, await this.recipientNodes(trx, id));
    });
  }

  async acknowledge(
    id: string,
    recipient: Recipient | undefined,
    version: number,
    readerName: string,
    actor: Actor,
  ): Promise<RecipientStatus> {
    const v = new Violations();
    if (!recipient) v.add("recipient", "is required: a jurisdiction code or an organisation");
    else if (recipient.kind === "node" && !isJurisdictionCode(recipient.jurisdictionCode))
      v.add("recipient.jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
    if ([...readerName].length > LIMITS.readerNameChars) v.add("reader_name", `must be at most ${LIMITS.readerNameChars} characters`);
    v.throwIfAny();
    return this.deps.db.transaction(async (trx) => {
      const row = await this.load(trx, id, true);
      const ackVersion = acknowledgedVersionFor(stateOf(row), version);
      const key = recipientKey(recipient!);
      const current = await repository.recipient(trx, id, key, true);
      if (!current || current.delivery_jurisdiction !== this.here)
        throw new InvalidArgumentError([
          { field: "recipient", description: `${key} is not a recipient of this bulletin at node ${this.here}` },
        ]);
      const now = this.deps.clock.now();
      if (current.acknowledged_version < ackVersion) {
        await repository.recordAcknowledgement(trx, id, key, { version: ackVersion, at: now, by: actor.subject, readerName });
        if (row.origin === "RECEIVED") {
          const payload = bulletinsEventsV1.BulletinAcknowledged.encode({
            bulletinId: id,
            issuingJurisdictionCode: row.issuing_jurisdiction,
            recipient: recipientToProto(recipient!),
            acknowledgedVersion: ackVersion,
            readerName,
            audit: this.audit(actor, "", now),
          }).finish();
          await this.emit(trx, id, bulletinsEvents.acknowledged, now, payload, [row.issuing_jurisdiction]);
        }
      }
      const updated = (await repository.recipient(trx, id, key))!;
      return { row: updated, state: readState(row.status, row.current_version, updated.acknowledged_version, row.ack_due_at, now) };
    });
  }

  async readStatus(id: string): Promise<{ bulletin: BulletinRow; recipients: RecipientStatus[] }> {
    const bulletin = await this.load(this.deps.db, id);
    const now = this.deps.clock.now();
    const rows = await repository.recipients(this.deps.db, id);
    return {
      bulletin,
      recipients: rows.map((r) => ({
        row: r,
        state: readState(bulletin.status, bulletin.current_version, r.acknowledged_version, bulletin.ack_due_at, now),
      })),
    };
  }

  async list(
    filter: ListFilter,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: BulletinView[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    if (filter.text !== undefined && [...filter.text].length > 200) v.add("filter.text", "must be at most 200 characters");
    if (filter.year !== undefined && (filter.year < 2000 || filter.year > 2999))
      v.add("filter.year", "must be a year between 2000 and 2999");
    const request = readPageRequest(v, filter, pageSize, pageToken);
    if (request.after && (!isUuid(request.after.id) || Number.isNaN(Date.parse(request.after.key))))
      v.add("page.page_token", "is not a valid page token");
    v.throwIfAny();
    const now = this.deps.clock.now();
    const db = this.deps.db;
    const filtered = () => {
      const q = db<BulletinRow>("bulletins as b");
      if (filter.issuerCreditCode) q.where("b.issuer_credit_code", filter.issuerCreditCode);
      if (filter.kind) q.where("b.kind", filter.kind);
      if (filter.year) q.where("b.year", filter.year);
      if (filter.origin) q.where("b.origin", filter.origin);
      if (filter.status) q.where("b.status", filter.status);
      if (filter.text) {
        const pattern = containsPattern(filter.text);
        q.where((w) => w.whereILike("b.title", pattern).orWhereILike("b.body", pattern));
      }
      const unread = db("bulletin_recipients as r")
        .whereRaw("r.bulletin_id = b.bulletin_id")
        .whereRaw("r.acknowledged_version < b.current_version");
      if (filter.readStatus === "HAS_UNREAD") q.where("b.status", "PUBLISHED").whereExists(unread);
      if (filter.readStatus === "HAS_OVERDUE") q.where("b.status", "PUBLISHED").whereExists(unread.clone().where("b.ack_due_at", "<", now));
      if (filter.readStatus === "ALL_READ")
        q.where("b.status", "PUBLISHED")
          .whereNotExists(unread)
          .whereExists(db("bulletin_recipients as r2").whereRaw("r2.bulletin_id = b.bulletin_id"));
      return q;
    };
    const [{ n }] = await filtered().count<{ n: string }[]>({ n: "*" });
    const page = filtered().select("b.*", db.raw("coalesce(b.published_at, b.created_at) as sort_key"));
    const after = request.after;
    if (after) page.whereRaw("(coalesce(b.published_at, b.created_at), b.bulletin_id) < (?::timestamptz, ?::uuid)", [after.key, after.id]);
    const rows = (await page
      .orderByRaw("coalesce(b.published_at, b.created_at) desc, b.bulletin_id desc")
      .limit(request.size + 1)) as (BulletinRow & { sort_key: Date })[];
    const { items, nextPageToken } = pageOf(rows, request, (r) => ({ key: r.sort_key.toISOString(), id: r.bulletin_id }));
    const counts = await repository.readCounts(
      db,
      items.map((r) => r.bulletin_id),
      now,
    );
    return {
      items: items.map(({ sort_key: _s, ...row }) => ({ row, versions: [], readCounts: counts.get(row.bulletin_id) ?? EMPTY_COUNTS })),
      nextPageToken,
      totalSize: Number(n),
    };
  }

  // ---- inbound deliveries (run inside the consumer's inbox transaction) ----

  async onPublished(event: ReceivedEvent<bulletinsEventsV1.BulletinPublished>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const kind = kindCodec.fromProto(e.kind);
    const urgency = urgencyCodec.fromProto(e.urgency);
    const classification = classificationCodec.fromProto(e.classification);
    if (!kind || !urgency || !classification || !e.issuer || !e.issueNumber || !isUuid(e.bulletinId))
      throw new InvalidArgumentError(
        [{ field: "data", description: "BulletinPublished lacks required fields" }],
        `malformed ${event.type} ${event.id}`,
      );
    const main = {
      allDistricts: e.mainAudience?.allDistricts ?? false,
      jurisdictionCodes: e.mainAudience?.jurisdictionCodes ?? [],
      organisations: (e.mainAudience?.organisations ?? []).map((o) => ({ ...o })),
    };
    const copy = {
      allDistricts: e.copyAudience?.allDistricts ?? false,
      jurisdictionCodes: e.copyAudience?.jurisdictionCodes ?? [],
      organisations: (e.copyAudience?.organisations ?? []).map((o) => ({ ...o })),
    };
    const mine = resolveRecipients(main, copy, e.issuingJurisdictionCode).filter((r) => r.deliveryJurisdiction === this.here);
    if (mine.length === 0) {
      this.deps.logger.warn({ bulletin_id: e.bulletinId }, "bulletin not addressed to this node; ignored");
      return;
    }
    if (await repository.find(trx, e.bulletinId)) return;
    const occurred = e.audit?.occurTime ?? event.time;
    const due = e.acknowledgementDueTime ?? null;
    const windowSeconds = Number(e.acknowledgementWindowSeconds) || null;
    await repository.insert(trx, {
      bulletin_id: e.bulletinId,
      origin: "RECEIVED",
      kind,
      issuer_credit_code: e.issuer.creditCode,
      issuer_name: e.issuer.name,
      issuer_jurisdiction: e.issuer.jurisdictionCode,
      issuing_jurisdiction: e.issuingJurisdictionCode,
      year: e.issueNumber.year,
      number: e.issueNumber.number,
      title: e.title,
      body: e.body,
      main_audience: main,
      copy_audience: copy,
      urgency,
      classification,
      ack_window_seconds: windowSeconds,
      ack_due_at: due,
      status: "PUBLISHED",
      current_version: e.version || 1,
      revision: 1,
      created_by: e.audit?.actor ?? "",
      created_at: occurred,
      published_at: occurred,
      updated_at: this.deps.clock.now(),
    });
    await repository.insertVersion(trx, {
      bulletin_id: e.bulletinId,
      version: e.version || 1,
      change: "ORIGINAL",
      title: e.title,
      body: e.body,
      reason: "",
      actor: e.audit?.actor ?? "",
      request_id: e.audit?.requestId ?? "",
      jurisdiction: e.issuingJurisdictionCode,
      occurred_at: occurred,
      ack_due_at: due,
    });
    await repository.insertRecipients(
      trx,
      mine.map((r) => ({
        bulletin_id: e.bulletinId,
        recipient_key: r.key,
        recipient: r.recipient,
        role: r.role,
        delivery_jurisdiction: r.deliveryJurisdiction,
      })),
    );
    this.deps.logger.info({ bulletin_id: e.bulletinId, from: e.issuingJurisdictionCode }, "bulletin received");
  }

  async onCorrected(event: ReceivedEvent<bulletinsEventsV1.BulletinCorrected>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    await this.applyNewVersion(trx, e.bulletinId, e.version, {
      change: "CORRECTION",
      title: e.title,
      body: e.body,
      reason: e.audit?.reason ?? "",
      actor: e.audit?.actor ?? "",
      requestId: e.audit?.requestId ?? "",
      jurisdiction: e.issuingJurisdictionCode,
      at: e.audit?.occurTime ?? event.time,
      due: e.acknowledgementDueTime ?? null,
      status: "PUBLISHED",
    });
  }

  async onRecalled(event: ReceivedEvent<bulletinsEventsV1.BulletinRecalled>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    await this.applyNewVersion(trx, e.bulletinId, e.version, {
      change: "RECALL",
      reason: e.audit?.reason ?? "",
      actor: e.audit?.actor ?? "",
      requestId: e.audit?.requestId ?? "",
      jurisdiction: e.issuingJurisdictionCode,
      at: e.audit?.occurTime ?? event.time,
      due: null,
      status: "RECALLED",
    });
  }

  private async applyNewVersion(
    trx: Knex.Transaction,
    id: string,
    version: number,
    v: {
      change: "CORRECTION" | "RECALL";
      title?: string;
      body?: string;
      reason: string;
      actor: string;
      requestId: string;
      jurisdiction: string;
      at: Date;
      due: Date | null;
      status: BulletinStatus;
    },
  ): Promise<void> {
    const row = isUuid(id) ? await repository.find(trx, id, true) : undefined;
    if (!row || row.origin !== "RECEIVED") {
      this.deps.logger.warn({ bulletin_id: id, version }, "new version of a bulletin this node did not receive; ignored");
      return;
    }
    if (version <= row.current_version) return; // already applied
    const title = v.title ?? row.title;
    const body = v.body ?? row.body;
    await repository.update(trx, id, {
      title,
      body,
      status: v.status,
      current_version: version,
      ack_due_at: v.due,
      updated_at: this.deps.clock.now(),
      revision: row.revision + 1,
    });
    await repository.insertVersion(trx, {
      bulletin_id: id,
      version,
      change: v.change,
      title,
      body,
      reason: v.reason,
      actor: v.actor,
      request_id: v.requestId,
      jurisdiction: v.jurisdiction,
      occurred_at: v.at,
      ack_due_at: v.due,
    });
    this.deps.logger.info({ bulletin_id: id, version, change: v.change }, "bulletin version received");
  }

  async onAcknowledged(event: ReceivedEvent<bulletinsEventsV1.BulletinAcknowledged>, trx: Knex.Transaction): Promise<void> {
    const e = event.data;
    const recipient = recipientFromProto(e.recipient);
    const row = isUuid(e.bulletinId) ? await repository.find(trx, e.bulletinId, true) : undefined;
    if (!row || row.origin !== "ISSUED" || !recipient)
      throw new InvalidArgumentError(
        [{ field: "data.bulletin_id", description: "acknowledges a bulletin not issued at this node" }],
        `unexpected acknowledgement ${event.id}`,
      );
    const key = recipientKey(recipient);
    const target = await repository.recipient(trx, row.bulletin_id, key, true);
    // The receipt must come from the node that holds that recipient's copy.
    const from = event.source.split("/")[2];
    if (!target || target.delivery_jurisdiction !== from)
      throw new InvalidArgumentError(
        [{ field: "data.recipient", description: `${key} is not a recipient delivered to ${from}` }],
        `unexpected acknowledgement ${event.id}`,
      );
    await repository.recordAcknowledgement(trx, row.bulletin_id, key, {
      version: Math.min(e.acknowledgedVersion, row.current_version),
      at: e.audit?.occurTime ?? event.time,
      by: e.audit?.actor ?? "",
      readerName: e.readerName,
    });
  }

  // ---- helpers ----

  private audit(actor: Actor, reason: string, at: Date) {
    return { actor: actor.subject, reason, requestId: actor.requestId, occurTime: at, jurisdictionCode: this.here };
  }

  private async recipientNodes(trx: Knex.Transaction, id: string): Promise<string[]> {
    const rows = await repository.recipients(trx, id);
    return [...new Set(rows.map((r) => r.delivery_jurisdiction).filter((j) => j !== this.here))].sort();
  }

  private async emit(
    trx: Knex.Transaction,
    id: string,
    type: EventDescriptor,
    at: Date,
    payload: Uint8Array,
    nodes: readonly string[],
  ): Promise<void> {
    const events: OutgoingEvent[] = nodes.map((node) => ({
      topic: this.topicTo(node),
      event: cloudEvent(this.deps.ids.newId(), this.here, type, id, at, payload),
    }));
    await appendToOutbox(trx, this.deps.schema, events);
  }
}

export type { ValidDraft };
