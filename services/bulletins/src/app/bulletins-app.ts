import {
  assertUuid,
  type Attribution,
  type AuditEntry,
  type AuditQuery,
  checkExpectedRevision,
  listAuditEntries,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ServiceKit,
  timeCursor,
  transactionReading,
  Violations,
  type WritesAlongside,
} from "@jinlian/chassis";
import type { RegistryProjection } from "@jinlian/registry-projection";
import type { Knex } from "knex";
import {
  BULLETIN_AGGREGATE,
  issueYear,
  isWithdrawn,
  organisationsNamed,
  readState,
  recipientKey,
  validateAcknowledgement,
  validateCorrection,
  validateReason,
  type Audience,
  type Bulletin,
  type BulletinFilter,
  type DraftContent,
  type ReadCounts,
  type ReadState,
  type Receipt,
  type Recipient,
  type RecipientEntry,
} from "../domain/bulletin";
import { partyStatuses, type Party, type PartyStatus } from "../domain/receipts";
import { assertIssuersStillActive, readerOf, visibleTo, type Reader } from "../domain/office";
import {
  assertCanPublish,
  decideAcknowledge,
  decideApprove,
  decideCorrect,
  decideCreateDraft,
  decideDeleteDraft,
  decidePublish,
  decideRecall,
  decideUpdateDraft,
  type DecisionContext,
} from "../domain/bulletin-decisions";
import { bulletinStore, repository } from "../persistence/repository";
import { decisionContext } from "./decision-context";

export interface BulletinView {
  bulletin: Bulletin;
  readCounts: ReadCounts;
}

export interface RecipientStatus {
  recipient: RecipientEntry;
  state: ReadState;
  /** For a node recipient, each party's own read state (domain/receipts.ts). */
  parties?: PartyStatus[];
}

const EMPTY_COUNTS: ReadCounts = { recipients: 0, read: 0, unread: 0, overdue: 0 };

/**
 * Use cases of the bulletins service at this node. Each mutation reads the bulletin, asks the
 * domain for a decision and applies it through the service kit in one transaction (row and
 * revision, versions and recipients, audit entry, outbox), at most once per caller request id.
 */
export class BulletinsApp {
  constructor(
    private readonly kit: ServiceKit,
    /** This node's registry as bulletins knows it: drafts may not name a deactivated organisation. */
    private readonly organisations: RegistryProjection,
  ) {}

  private async load(db: Knex | Knex.Transaction, id: string): Promise<Bulletin> {
    assertUuid(id, "bulletin_id");
    const bulletin = await repository.load(db, id);
    if (!bulletin) throw new NotFoundError("bulletin", id);
    return bulletin;
  }

  /** The bulletin whose row `repository.lockRead` locked with BEGIN (`locked`: it was there). */
  private async loadLocked(trx: Knex.Transaction, id: string, locked: boolean): Promise<Bulletin> {
    const bulletin = locked ? await repository.load(trx, id) : undefined;
    if (!bulletin) throw new NotFoundError("bulletin", id);
    return bulletin;
  }

  private assertNoneDeactivated(trx: Knex.Transaction, b: Bulletin): Promise<void> {
    return this.organisations.assertNoneDeactivated(trx, organisationsNamed(b.issuer, b.mainAudience, b.copyAudience, b.coIssuers));
  }

  /**
   * One change to an existing bulletin, at most once per request id, answered with its view from
   * the state `change` saved (only its read counts are read).
   */
  private change(
    method: string,
    id: string,
    expectedRevision: number,
    by: Attribution,
    change: (trx: Knex.Transaction, before: Bulletin, ctx: DecisionContext) => Promise<Bulletin>,
  ): Promise<BulletinView> {
    assertUuid(id, "bulletin_id");
    return this.kit.change(
      `${method}:${id}`,
      by.actor,
      id,
      async (trx, locked) => {
        const before = await this.loadLocked(trx, id, locked);
        // A stale revision is refused (ABORTED) before any rule: the caller must re-read first.
        checkExpectedRevision(BULLETIN_AGGREGATE, id, before.revision, expectedRevision);
        return this.viewOf(await change(trx, before, decisionContext(this.kit, by)), trx);
      },
      (_, trx) => this.view(id, trx),
      repository.lockRead(id),
    );
  }

  async createDraft(content: DraftContent, by: Attribution): Promise<BulletinView> {
    const id = this.kit.newId();
    // One read for every organisation the draft names, sent with BEGIN: the registry says who the
    // issuers (named by credit code) are, and no one named may be deactivated. The decision names
    // exactly the credit codes the request does, so the records cover them all.
    const issuers = [content.issuer, ...(content.coIssuers ?? [])].flatMap((o) => (o ? [o.creditCode] : []));
    const audience = [...content.mainAudience.organisations, ...content.copyAudience.organisations];
    const named = this.organisations.recordsRead([...issuers, ...audience.map((o) => o.creditCode)]);
    return this.kit.creation(
      "CreateBulletinDraft",
      by.actor,
      id,
      async (trx, records) => {
        const ctx = decisionContext(this.kit, by);
        // The decision looks each issuer up by credit code among the records.
        const decision = decideCreateDraft(id, content, ctx, records);
        const { issuer, mainAudience, copyAudience, coIssuers } = decision.state;
        this.organisations.refuseDeactivated(organisationsNamed(issuer, mainAudience, copyAudience, coIssuers), records);
        const created = await this.kit.apply(trx, bulletinStore, undefined, decision, by, 0, ctx.now);
        this.kit.logger.info({ bulletin_id: id, actor: by.actor.subject }, "bulletin draft created");
        // A new draft has no versions, recipients or receipts: its view is the state just saved.
        return { bulletin: created, readCounts: EMPTY_COUNTS };
      },
      (first, trx) => this.view(first, trx),
      named,
    );
  }

  async updateDraft(
    id: string,
    expectedRevision: number,
    content: Omit<DraftContent, "kind" | "issuer">,
    by: Attribution,
  ): Promise<BulletinView> {
    return this.change("UpdateBulletinDraft", id, expectedRevision, by, async (trx, before, ctx) => {
      // New co-issuers are named by credit code, like the lead's at creation: the registry says who they are.
      const named = content.coIssuers === undefined ? [] : [before.issuer, ...content.coIssuers].map((o) => o.creditCode);
      const decision = decideUpdateDraft(before, content, ctx, await repository.parties(trx, named));
      await this.assertNoneDeactivated(trx, decision.state);
      return this.kit.apply(trx, bulletinStore, before, decision, by, expectedRevision, ctx.now);
    });
  }

  async publish(id: string, expectedRevision: number, by: Attribution): Promise<BulletinView> {
    return this.change("PublishBulletin", id, expectedRevision, by, async (trx, before, ctx) => {
      assertCanPublish(before, by.reason);
      // An issuer deactivated since the draft was written issues nothing, and an organisation
      // deactivated since is not addressed either.
      const issuers = [before.issuer, ...before.coIssuers].map((o) => o.creditCode);
      assertIssuersStillActive(before, await repository.parties(trx, issuers));
      await this.assertNoneDeactivated(trx, before);
      // Drawn in the transaction: a refusal below rolls the number back, so the series has no gap.
      const number = await repository.nextIssueNumber(trx, before.issuer.creditCode, before.kind, issueYear(ctx.now));
      const decision = decidePublish(before, number, ctx);
      const after = await this.kit.apply(trx, bulletinStore, before, decision, by, expectedRevision, ctx.now);
      this.kit.logger.info({ bulletin_id: id, ...after.issueNumber }, "bulletin published");
      return after;
    });
  }

  async correct(
    id: string,
    expectedRevision: number,
    c: { title: string; body: string; mainAudience?: Audience | undefined; copyAudience?: Audience | undefined },
    by: Attribution,
  ): Promise<BulletinView> {
    validateCorrection(c.title, c.body, by.reason, c.mainAudience !== undefined || c.copyAudience !== undefined);
    return this.change("CorrectBulletin", id, expectedRevision, by, async (trx, before, ctx) => {
      const decision = decideCorrect(before, c, ctx);
      // Organisations a correction adds to the audience may not be ones the registry has deactivated.
      const had = new Set([...before.mainAudience.organisations, ...before.copyAudience.organisations].map((o) => o.creditCode));
      const added = organisationsNamed(before.issuer, decision.state.mainAudience, decision.state.copyAudience).filter(
        (n) => n.field !== "issuer" && !had.has(n.organisation.creditCode),
      );
      await this.organisations.assertNoneDeactivated(trx, added);
      return this.kit.apply(trx, bulletinStore, before, decision, by, expectedRevision, ctx.now);
    });
  }

  /** 签发: a named approver approves a draft; publication needs it. */
  async approve(
    id: string,
    expectedRevision: number,
    approver: { name: string; position: string } | undefined,
    by: Attribution,
  ): Promise<BulletinView> {
    return this.change("ApproveBulletin", id, expectedRevision, by, async (trx, before, ctx) => {
      return this.kit.apply(trx, bulletinStore, before, decideApprove(before, approver, ctx), by, expectedRevision, ctx.now);
    });
  }

  /** Deletes a draft never published; the audit entry (at the next revision) remains. */
  async deleteDraft(id: string, expectedRevision: number, by: Attribution): Promise<string> {
    assertUuid(id, "bulletin_id");
    // The answer is the id deleted, stored with the request id's claim for a repeat.
    return this.kit.change(
      `DeleteBulletinDraft:${id}`,
      by.actor,
      id,
      async (trx, locked) => {
        const before = await this.loadLocked(trx, id, locked);
        checkExpectedRevision(BULLETIN_AGGREGATE, id, before.revision, expectedRevision);
        const ctx = decisionContext(this.kit, by);
        const decision = decideDeleteDraft(before, ctx);
        await repository.deleteDraft(trx, id);
        await this.kit.record(trx, { type: BULLETIN_AGGREGATE, id, revision: before.revision + 1 }, decision.action, by, [], ctx.now);
        this.kit.logger.info({ bulletin_id: id, actor: by.actor.subject }, "bulletin draft deleted");
        return id;
      },
      async (deleted) => deleted,
      repository.lockRead(id),
    );
  }

  /** The reader a query names, by credit code, as this node's registry knows it. */
  async reader(creditCode: string, field: string): Promise<Reader | undefined> {
    const code = creditCode.trim().toUpperCase();
    return readerOf(code, code ? await repository.parties(this.kit.db, [code]) : [], field);
  }

  /** GetBulletin: a restricted bulletin is NOT_FOUND for anyone but its issuers and named recipients. */
  async viewFor(id: string, readerCreditCode: string): Promise<BulletinView> {
    const reader = await this.reader(readerCreditCode, "reader_credit_code");
    const view = await this.view(id);
    if (!visibleTo(view.bulletin, reader)) throw new NotFoundError("bulletin", id);
    return view;
  }

  async recall(id: string, expectedRevision: number, by: Attribution): Promise<BulletinView> {
    validateReason(by.reason);
    return this.change("RecallBulletin", id, expectedRevision, by, async (trx, before, ctx) => {
      return this.kit.apply(trx, bulletinStore, before, decideRecall(before, ctx), by, expectedRevision, ctx.now);
    });
  }

  /**
   * Records that a recipient at this node has read a version: a new receipt unless it had
   * already read it (then nothing changes and nothing is recorded). Naturally idempotent, so it
   * takes no request-id scope.
   */
  async acknowledge(
    id: string,
    recipient: Recipient | undefined,
    version: number,
    readerName: string,
    by: Attribution,
    /** For a node recipient, the party reading; null for the whole recipient; undefined: not a party the contract defines. */
    party: Party | null | undefined,
  ): Promise<RecipientStatus> {
    validateAcknowledgement(recipient, readerName, by.reason, party);
    assertUuid(id, "bulletin_id");
    return transactionReading(this.kit.db, repository.lockRead(id), async (trx, locked) => {
      const before = await this.loadLocked(trx, id, locked);
      const ctx = decisionContext(this.kit, by);
      const decision = decideAcknowledge(before, { receiptId: this.kit.newId(), recipient, version, readerName, party }, ctx);
      if (decision.receipt) {
        const receipt: WritesAlongside = [];
        await repository.recordReceipt(trx, decision.receipt, decision.recipient, receipt);
        // The bulletin itself does not change: the entry records its current revision.
        await this.kit.record(
          trx,
          { type: BULLETIN_AGGREGATE, id, revision: before.revision },
          decision.action,
          by,
          decision.events,
          ctx.now,
          receipt,
        );
      }
      // The recipient as recordReceipt leaves it, without reading the bulletin back: the decision
      // has checked it is held here, and keeps a receipt only for a newer version (acknowledgements
      // of a bulletin are serialised by its row lock).
      const after: RecipientEntry = decision.recipient ?? before.recipients.find((r) => r.key === recipientKey(recipient))!;
      return {
        parties: partyStatuses(before, after, ctx.now),
        recipient: after,
        state: readState(before.status, before.currentVersion, after.acknowledgedVersion, before.ackDueAt, ctx.now),
      };
    });
  }

  // ---- queries ----

  async view(id: string, db: Knex | Knex.Transaction = this.kit.db): Promise<BulletinView> {
    return this.viewOf(await this.load(db, id), db);
  }

  /** The view of a bulletin as loaded or as a change saved it: only its read counts are read. */
  async viewOf(bulletin: Bulletin, db: Knex | Knex.Transaction): Promise<BulletinView> {
    const counts = await repository.readCounts(db, [bulletin.bulletinId], this.kit.now());
    return { bulletin, readCounts: counts.get(bulletin.bulletinId) ?? EMPTY_COUNTS };
  }

  async readStatus(
    id: string,
    readerCreditCode = "",
  ): Promise<{ bulletin: Bulletin; recipients: RecipientStatus[]; receipts: Receipt[]; now: Date }> {
    const reader = await this.reader(readerCreditCode, "reader_credit_code");
    const bulletin = await this.load(this.kit.db, id);
    // Who has read a restricted bulletin is as restricted as the bulletin.
    if (!visibleTo(bulletin, reader)) throw new NotFoundError("bulletin", id);
    const now = this.kit.now();
    return {
      bulletin,
      now,
      recipients: bulletin.recipients.map((r) => ({
        recipient: r,
        // A recipient a correction of the audience removed has nothing left to acknowledge.
        state: isWithdrawn(r)
          ? "NOT_REQUIRED"
          : readState(bulletin.status, bulletin.currentVersion, r.acknowledgedVersion, bulletin.ackDueAt, now),
        parties: partyStatuses(bulletin, r, now),
      })),
      receipts: await repository.receipts(this.kit.db, id),
    };
  }

  /** The audit trail of this node's bulletins, newest first; a bad filter is INVALID_ARGUMENT. */
  auditEntries(query: AuditQuery, v = new Violations()): Promise<{ entries: AuditEntry[]; nextPageToken: string; totalSize: number }> {
    return listAuditEntries(this.kit.db, v, [BULLETIN_AGGREGATE], query);
  }

  async list(
    filter: BulletinFilter,
    pageSize: number,
    pageToken: string,
    reader?: Reader,
  ): Promise<{ items: BulletinView[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    if (filter.text !== undefined && [...filter.text].length > 200) v.add("filter.text", "must be at most 200 characters");
    if (filter.year !== undefined && (filter.year < 2000 || filter.year > 2999))
      v.add("filter.year", "must be a year between 2000 and 2999");
    // The page token is bound to the filter and to who reads (restricted bulletins differ per reader).
    const request = readPageRequest(v, { ...filter, reader: reader?.creditCode ?? "" }, pageSize, pageToken, timeCursor);
    v.throwIfAny();
    const now = this.kit.now();
    const { items: rows, total } = await repository.list(this.kit.db, filter, now, { size: request.size, after: request.after }, reader);
    const { items, nextPageToken } = pageOf(rows, request, (b) => ({ key: b.sortKey, id: b.bulletinId }));
    const counts = await repository.readCounts(
      this.kit.db,
      items.map((b) => b.bulletinId),
      now,
    );
    return {
      items: items.map(({ sortKey: _s, ...bulletin }) => ({ bulletin, readCounts: counts.get(bulletin.bulletinId) ?? EMPTY_COUNTS })),
      nextPageToken,
      totalSize: total,
    };
  }
}
