import { isUuid, pageOf, readPageRequest, Violations, type ServiceKit } from "@jinlian/chassis";
import { creditCodeProblem, describeCreditCodeProblem, isJurisdictionCode } from "@jinlian/kernel";
import { readState, recipientKey, type Bulletin, type ReadCounts, type ReadState, type Recipient } from "../domain/bulletin";
import { partiesOf, partyVersion, recipientVersion, validateParty, type Party } from "../domain/receipts";
import { unreadFor } from "../persistence/receipts-repository";
import { repository } from "../persistence/repository";

export interface UnreadFilter {
  recipient: Recipient | undefined;
  /** undefined: a value the contract does not define. */
  party: Party | null | undefined;
  overdueOnly: boolean;
}

export interface UnreadItem {
  bulletin: Bulletin;
  readCounts: ReadCounts;
  state: ReadState;
  acknowledgedVersion: number;
  unreadParties: Party[];
}

// A page token's sort key: the deadline as PostgreSQL prints it, or "infinity" for none.
const SORT_KEY = /^(infinity|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?|Z)?)$/;

/**
 * Unread work at this node: what a recipient held here — this node (its justice bureau, its
 * federation, or either) or one of its organisations — has not read in the current version.
 */
export class UnreadWork {
  constructor(private readonly kit: ServiceKit) {}

  async list(
    filter: UnreadFilter,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: UnreadItem[]; nextPageToken: string; totalSize: number }> {
    const here = this.kit.here;
    const v = new Violations();
    const r = filter.recipient;
    if (!r) v.add("filter.recipient", "is required: this node's jurisdiction code or one of its organisations");
    else if (r.kind === "node") {
      if (!isJurisdictionCode(r.jurisdictionCode))
        v.add("filter.recipient.jurisdiction_code", "must be 120000 or one of the 16 district codes of Tianjin");
      else if (r.jurisdictionCode !== here)
        v.add("filter.recipient.jurisdiction_code", `only this node (${here}) is a node recipient held here`);
    } else {
      const problem = creditCodeProblem(r.organisation.creditCode);
      if (problem) v.add("filter.recipient.organisation.credit_code", describeCreditCodeProblem(problem));
      if (r.organisation.jurisdictionCode !== here)
        v.add("filter.recipient.organisation.jurisdiction_code", `only organisations of this node (${here}) are held here`);
    }
    validateParty(v, "filter.party", r, filter.party);
    const key = r ? recipientKey(r) : "";
    const request = readPageRequest(
      v,
      { key, party: filter.party, overdueOnly: filter.overdueOnly },
      pageSize,
      pageToken,
      (c) => SORT_KEY.test(c.key) && isUuid(c.id),
    );
    v.throwIfAny();
    const now = this.kit.now();
    const party = filter.party ?? null;
    const { rows, total } = await unreadFor(
      this.kit.db,
      { recipientKey: key, here, party, node: r!.kind === "node", overdueOnly: filter.overdueOnly, now },
      { size: request.size, after: request.after },
    );
    const { items, nextPageToken } = pageOf(rows, request, (x) => ({ key: x.sort_key, id: x.bulletin_id }));
    const counts = await repository.readCounts(
      this.kit.db,
      items.map((x) => x.bulletin_id),
      now,
    );
    const out: UnreadItem[] = [];
    for (const row of items) {
      const b = await repository.load(this.kit.db, row.bulletin_id);
      const entry = b?.recipients.find((e) => e.key === key);
      if (!b || !entry) continue;
      const read = party ? partyVersion(entry, party) : recipientVersion(entry);
      out.push({
        bulletin: { ...b, versions: [] },
        readCounts: counts.get(b.bulletinId) ?? { recipients: 0, read: 0, unread: 0, overdue: 0 },
        state: readState(b.status, b.currentVersion, read, b.ackDueAt, now),
        acknowledgedVersion: read,
        unreadParties:
          r!.kind === "node"
            ? partiesOf(entry.recipient).filter((p): p is Party => p !== null && partyVersion(entry, p) < b.currentVersion)
            : [],
      });
    }
    return { items: out, nextPageToken, totalSize: total };
  }
}
