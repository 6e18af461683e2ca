/**
 * A receipt per party (art. 20): a node recipient stands for its justice bureau and its
 * federation, and each reads and acknowledges on its own. An organisation recipient is one
 * party. Pure rules, no I/O.
 *
 * What a party has read comes from the receipts recorded: its own, and those for the whole
 * recipient (`party` null: an organisation, or a node acknowledged for both parties at once, as
 * clients and nodes that predate parties do). The recipient as a whole has read what every one of
 * its parties has read.
 */
import { Violations } from "@jinlian/chassis";
import {
  isWithdrawn,
  readState,
  type BulletinStatus,
  type ReadCounts,
  type ReadState,
  type Recipient,
  type RecipientEntry,
} from "./bulletin";

export const PARTIES = ["JUSTICE_BUREAU", "FEDERATION"] as const;
export type Party = (typeof PARTIES)[number];

/** The latest acknowledgement recorded for one party of a recipient (`party` null: the whole recipient). */
export interface PartyRead {
  party: Party | null;
  version: number;
  at: Date;
  by: string;
  readerName: string;
}

/** Who reads for a recipient: a node's two parties; an organisation itself (null). */
export function partiesOf(r: Recipient): readonly (Party | null)[] {
  return r.kind === "node" ? PARTIES : [null];
}

/** A party names one of a node's two readers: it must be unset for an organisation. */
export function validateParty(v: Violations, path: string, recipient: Recipient | undefined, party: Party | null | undefined): void {
  if (party === undefined) v.add(path, `must be one of ${PARTIES.join(", ")}, or unspecified`);
  else if (party !== null && recipient?.kind === "organisation")
    v.add(path, "must be unspecified for an organisation recipient: only a node stands for two parties");
}

/** The latest read that counts for a party: its own, or one for the whole recipient. */
export function readOf(entry: RecipientEntry, party: Party | null): PartyRead | undefined {
  let best: PartyRead | undefined;
  for (const r of entry.reads ?? []) if ((r.party === party || r.party === null) && (!best || r.version > best.version)) best = r;
  // The recipient row keeps what every party has read (and what was kept before parties were).
  if (entry.acknowledgedVersion > (best?.version ?? 0))
    best = {
      party: null,
      version: entry.acknowledgedVersion,
      at: entry.acknowledgedAt ?? new Date(0),
      by: entry.acknowledgedBy ?? "",
      readerName: entry.readerName ?? "",
    };
  return best;
}

export function partyVersion(entry: RecipientEntry, party: Party | null): number {
  return readOf(entry, party)?.version ?? 0;
}

/** What every party of the recipient has read: the recipient's own acknowledged version. */
export function recipientVersion(entry: RecipientEntry): number {
  return Math.min(...partiesOf(entry.recipient).map((p) => partyVersion(entry, p)));
}

/** Whether the parties an acknowledgement speaks for (one, or all for `null`) have all read `version`. */
export function alreadyRead(entry: RecipientEntry, party: Party | null, version: number): boolean {
  const parties = party === null ? partiesOf(entry.recipient) : [party];
  return parties.every((p) => partyVersion(entry, p) >= version);
}

/**
 * The recipient after a new receipt: the read added, and the recipient's own acknowledgement
 * (what read status shows for it as a whole) moved on once every party has read further.
 */
export function withRead(entry: RecipientEntry, read: PartyRead): RecipientEntry {
  const reads = [...(entry.reads ?? []).filter((r) => r.party !== read.party), read];
  const next: RecipientEntry = { ...entry, reads };
  const all = recipientVersion(next);
  if (all <= entry.acknowledgedVersion) return { ...next, acknowledgedVersion: entry.acknowledgedVersion };
  return { ...next, acknowledgedVersion: all, acknowledgedAt: read.at, acknowledgedBy: read.by, readerName: read.readerName };
}

/** One party's read state, for read status and unread work. */
export interface PartyStatus {
  party: Party;
  state: ReadState;
  read: PartyRead | undefined;
}

/** The read state of a bulletin's current version as the recipient, or one of its parties, stands. */
export interface ReadClock {
  status: BulletinStatus;
  currentVersion: number;
  ackDueAt: Date | null;
}

export function partyStatuses(b: ReadClock, entry: RecipientEntry, now: Date): PartyStatus[] {
  if (entry.recipient.kind !== "node") return [];
  return PARTIES.map((party) => {
    const read = readOf(entry, party);
    return { party, read, state: readState(b.status, b.currentVersion, read?.version ?? 0, b.ackDueAt, now) };
  });
}

/** Counts over parties: a node recipient counts twice, an organisation once. */
export function partyCounts(b: ReadClock, entries: readonly RecipientEntry[], now: Date): ReadCounts {
  const out: ReadCounts = { recipients: 0, read: 0, unread: 0, overdue: 0 };
  if (b.status !== "PUBLISHED") return out;
  for (const e of entries.filter((x) => !isWithdrawn(x)))
    for (const p of partiesOf(e.recipient)) {
      out.recipients += 1;
      const state = readState(b.status, b.currentVersion, partyVersion(e, p), b.ackDueAt, now);
      if (state === "READ") out.read += 1;
      else if (state === "OVERDUE") out.overdue += 1;
      else out.unread += 1;
    }
  return out;
}
