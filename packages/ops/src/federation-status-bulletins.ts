/**
 * Unacknowledged items waiting per district, as the city sees them: bulletins addressed to the
 * district (as a node recipient) whose current version the district has not acknowledged, asked
 * of the city's bulletins service through the SDK. A backlog here while the links run means the
 * district's people have not read them; a growing one while a link is down means receipts are
 * not coming up.
 */
import { bulletinsClient, UnavailableError, DeadlineExceededError, type BulletinsClient, type ClientOptions } from "@jinlian/client";
import { bulletinsV1 } from "@jinlian/proto";
import type { UnacknowledgedReport } from "./federation-status-report";

const PAGE_SIZE = 200;

/** The district's own read state in a bulletin's read status, if it is a recipient tracked there. */
export function districtReadState(res: bulletinsV1.GetBulletinReadStatusResponse, district: string): bulletinsV1.ReadState | undefined {
  const mine = res.recipients.find((r) => r.recipient?.recipient?.$case === "jurisdictionCode" && r.recipient.recipient.value === district);
  return mine?.state;
}

async function countFor(client: BulletinsClient, district: string, deadline: number): Promise<{ bulletins: number; overdue: number }> {
  let bulletins = 0;
  let overdue = 0;
  let pageToken = "";
  do {
    const remaining = () => Math.max(1, deadline - Date.now());
    // "Has unread" is over every recipient of a bulletin; the district's own state is checked below.
    const page = await client.listBulletins(
      {
        filter: { recipientJurisdictionCode: district, readStatus: bulletinsV1.ReadStatusFilter.READ_STATUS_FILTER_HAS_UNREAD },
        page: { pageSize: PAGE_SIZE, pageToken },
      },
      { deadlineMs: remaining() },
    );
    for (const b of page.bulletins) {
      const status = await client.getBulletinReadStatus({ bulletinId: b.bulletinId }, { deadlineMs: remaining() });
      const state = districtReadState(status, district);
      if (state === bulletinsV1.ReadState.READ_STATE_UNREAD) bulletins++;
      if (state === bulletinsV1.ReadState.READ_STATE_OVERDUE) {
        bulletins++;
        overdue++;
      }
    }
    pageToken = page.page?.nextPageToken ?? "";
  } while (pageToken !== "");
  return { bulletins, overdue };
}

export interface UnacknowledgedResult {
  reachable: boolean;
  error?: string;
  byDistrict: Map<string, UnacknowledgedReport>;
}

/** Counts for every district within `timeoutMs` in all; the city out of reach is said once. */
export async function unacknowledgedByDistrict(
  address: string,
  districts: readonly string[],
  timeoutMs: number,
  /** The operator's bearer token, where the city runs JINLIAN_AUTH=jwt (a city officer's: the reads are the mechanism's). */
  token?: () => Promise<string>,
  /** Client TLS where the city serves mutual TLS (the SDK's `tls` option). */
  tls?: ClientOptions["tls"],
): Promise<UnacknowledgedResult> {
  const client = bulletinsClient({ address, actor: "jinlian-ops", deadlineMs: timeoutMs, retry: { maxAttempts: 2 }, token, tls });
  const deadline = Date.now() + timeoutMs;
  try {
    const results = await Promise.all(
      districts.map(async (d) => {
        try {
          return [d, await countFor(client, d, deadline)] as const;
        } catch (err) {
          return [d, err as Error] as const;
        }
      }),
    );
    const byDistrict = new Map<string, UnacknowledgedReport>();
    let unreachable: Error | undefined;
    for (const [d, r] of results) {
      if (r instanceof Error) {
        if (r instanceof UnavailableError || r instanceof DeadlineExceededError) unreachable ??= r;
        byDistrict.set(d, { error: r.message });
      } else byDistrict.set(d, r);
    }
    // Every district failing for want of an answer means the endpoint, not one district's data.
    const allFailed = results.every(([, r]) => r instanceof Error);
    return allFailed && unreachable ? { reachable: false, error: unreachable.message, byDistrict } : { reachable: true, byDistrict };
  } finally {
    client.close();
  }
}
