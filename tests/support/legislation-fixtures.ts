/**
 * Fixtures for legislation tests: drafts as numbered articles, organisations registered in a
 * node's liaison registry and awaited in legislation's projection of it, and a clock set to a
 * date the official calendar covers.
 */
import type { LegislationClient } from "@jinlian/client";
import { commonV1, legislationV1 } from "@jinlian/proto";
import { waitFor } from "../harness/kafka";
import { query } from "./db";
import { registerParty, type Party } from "./liaison-fixtures";
import { TestClock, type TestNode } from "./nodes";

export const L = legislationV1;
export const Kind = legislationV1.DraftKind;

/** A clock showing `at` now and moving on from there (windows must fall in a year the calendar covers). */
export function clockAt(at: string): TestClock {
  const clock = new TestClock();
  clock.advance(new Date(at).getTime() - Date.now());
  return clock;
}

/** Moves a test clock to an instant. */
export function moveTo(clock: TestClock, at: Date): void {
  clock.advance(at.getTime() - clock.now().getTime());
}

/** `n` articles, article i with `paragraphs` paragraphs, the first of which has two items. */
export function articles(n: number, tag = "v1", paragraphs = 2): legislationV1.Article[] {
  return Array.from({ length: n }, (_, i) => ({
    number: i + 1,
    paragraphs: Array.from({ length: paragraphs }, (_, j) => ({
      text: `第${i + 1}条第${j + 1}款（${tag}）`,
      items: j === 0 ? ["（一）甲", "（二）乙"] : [],
    })),
  }));
}

export function registerDraftRequest(overrides: Partial<legislationV1.RegisterDraftRequest> = {}): legislationV1.RegisterDraftRequest {
  return {
    kind: Kind.DRAFT_KIND_GOVERNMENT_RULE,
    title: "天津市优化营商环境若干规定（草案）",
    draftingUnit: "天津市发展和改革委员会",
    concernsPrivateEconomy: true,
    closelyConcernsMarketEntities: false,
    planItemId: "",
    articles: articles(5),
    reason: "起草",
    ...overrides,
  };
}

export function openRoundRequest(overrides: Partial<legislationV1.OpenRoundRequest> = {}): legislationV1.OpenRoundRequest {
  return {
    draftId: "",
    expectedRevision: 0,
    windowLength: 0,
    shorterWindow: undefined,
    organisationCreditCodes: [],
    districtJurisdictionCodes: [],
    allDistricts: false,
    reason: "征求意见",
    ...overrides,
  };
}

export function opinionRequest(
  roundId: string,
  creditCode: string,
  text: string,
  citations: { article: number; paragraph?: number; item?: number }[] = [{ article: 1 }],
): legislationV1.SubmitOpinionRequest {
  return {
    roundId,
    expectedRevision: 0,
    organisationCreditCode: creditCode,
    citations: citations.map((c) => ({ article: c.article, paragraph: c.paragraph ?? 0, item: c.item ?? 0 })),
    text,
    reason: "",
  };
}

/** Registers an organisation in the node's liaison registry and waits until legislation knows it. */
export async function consultedParty(
  node: TestNode,
  type: commonV1.OrganisationType,
  name: string,
  jurisdictionCode: string,
): Promise<Party> {
  const party = await registerParty(node.liaison, { type, name, jurisdictionCode });
  await waitFor(
    async () =>
      (
        await query<{ n: string }>(node.database.url, "select count(*) as n from legislation.known_organisations where credit_code = $1", [
          party.organisation.creditCode,
        ])
      )[0]!.n === "1",
    { timeoutMs: 30_000, intervalMs: 200, what: `${name} in legislation's registry projection` },
  );
  return party;
}

export type { LegislationClient };
