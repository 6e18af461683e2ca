/**
 * PairingService at the municipal node, against real PostgreSQL and Kafka: a 万所联万会 programme
 * solved to the exact optimum (checked against exhaustive search over the same instance, rebuilt
 * here from what the programme says), an infeasible programme naming the chambers it cannot serve
 * and why, minimal re-pairing when a firm leaves (only its chambers move), the pair lifecycle, and
 * refusals that change nothing.
 */
import { status } from "@grpc/grpc-js";
import { bruteForcePairing, type PairingInstance } from "@jinlian/legal-services";
import { legalServicesEventsV1, legalServicesV1 } from "@jinlian/proto";
import { uniqueNamespace } from "../harness/kafka";
import { query } from "../support/db";
import { K, profile, projected, registerOrg, registerProvider, T, type Org } from "../support/legal-services-fixtures";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";

jest.setTimeout(120_000);

const PS = legalServicesV1.PairingProgrammeStatus;
const ns = uniqueNamespace("legal-pairing");
let city: TestNode;
const firms: Record<string, Org> = {};
const chambers: Record<string, Org> = {};
const ls = () => city.legalServices;

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: ns, target: "liaison,legal-services" });
  for (const [key, district] of [
    ["F1", "120101"],
    ["F2", "120101"],
    ["F3", "120102"],
  ] as const)
    firms[key] = await registerOrg(city.liaison, {
      type: T.ORGANISATION_TYPE_LAW_FIRM,
      name: `${key}律师事务所`,
      jurisdictionCode: district,
    });
  for (const [key, district, industry] of [
    ["K1", "120101", "C"],
    ["K2", "120101", "I"],
    ["K3", "120101", "C"],
    ["K4", "120101", "I"],
    ["K5", "120102", "C"],
    ["K6", "120102", "I"],
    ["K7", "120103", "C"],
  ] as const)
    chambers[key] = await registerOrg(city.liaison, {
      type: T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
      name: `${key}商会`,
      jurisdictionCode: district,
      industry,
    });
  await projected(city.database.url, [...Object.values(firms), ...Object.values(chambers)]);
  for (const f of Object.values(firms))
    await registerProvider(ls(), {
      kind: K.PROVIDER_KIND_LAW_FIRM,
      organisationCreditCode: f.creditCode,
      profile: profile({ capacity: 10 }),
    });
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

/** The instance the programme describes, rebuilt from its contract with the documented cost model. */
function instanceOf(p: legalServicesV1.PairingProgramme, current?: Map<string, string>): PairingInstance {
  const w = p.weights!;
  const edgeStart = new Int32Array(p.chambers.length + 1);
  const edgeFirm: number[] = [];
  const edgeCost: number[] = [];
  p.chambers.forEach((c, i) => {
    p.firms.forEach((f, j) => {
      if (f.withdrawn) return;
      const rank = c.preferredFirmCreditCodes.indexOf(f.firm!.creditCode);
      if (
        c.preferredFirmCreditCodes.length > 0
          ? rank < 0
          : !f.serviceDistrictCodes.includes(c.districtCode) && !f.serviceDistrictCodes.includes("120000")
      )
        return;
      edgeFirm.push(j);
      edgeCost.push(
        (f.districtCode === c.districtCode ? 0 : w.districtMismatch) +
          (!c.industrySection || f.industrySections.includes(c.industrySection) ? 0 : w.industryMismatch) +
          (rank > 0 ? rank * w.preferenceRank : 0),
      );
    });
    edgeStart[i + 1] = edgeFirm.length;
  });
  const firmIndex = new Map(p.firms.map((f, j) => [f.firm!.creditCode, j]));
  return {
    chambers: p.chambers.length,
    capacity: p.firms.map((f) => (f.withdrawn ? 0 : f.capacity)),
    edgeStart,
    edgeFirm: Int32Array.from(edgeFirm),
    edgeCost: Float64Array.from(edgeCost),
    current: current && Int32Array.from(p.chambers, (c) => firmIndex.get(current.get(c.chamber!.creditCode) ?? "") ?? -1),
  };
}

const firmInput = (key: string, capacity: number, industries: string[], serves: string[] = []) => ({
  creditCode: firms[key]!.creditCode,
  capacity,
  serviceDistrictCodes: serves,
  industrySections: industries,
});
const chamberInput = (key: string) => ({ creditCode: chambers[key]!.creditCode, preferredFirmCreditCodes: [] });

async function activePairs(programmeId: string) {
  const { pairs } = await ls().pairing.listPairs({
    filter: {
      programmeId,
      districtCode: "",
      chamberCreditCode: "",
      firmCreditCode: "",
      status: legalServicesV1.PairStatus.PAIR_STATUS_ACTIVE,
    },
    page: { pageSize: 200, pageToken: "" },
  });
  return pairs;
}

describe("a feasible programme", () => {
  let programme: legalServicesV1.PairingProgramme;
  // Each creation and change answers with the programme as it saved it, pairs in making order:
  // what a read then shows.
  const expectAnswerIsRead = async (answer: legalServicesV1.PairingProgramme) =>
    expect(answer).toEqual((await ls().pairing.getPairingProgramme({ programmeId: answer.programmeId })).programme);

  it("is solved to the exact optimum, every pair explained", async () => {
    programme = (
      await ls().pairing.createPairingProgramme({
        name: "2026年万所联万会",
        year: 2026,
        weights: undefined,
        firms: [firmInput("F1", 3, ["C"]), firmInput("F2", 4, ["I"], ["120101", "120102"]), firmInput("F3", 2, ["C"])],
        chambers: ["K1", "K2", "K3", "K4", "K5", "K6"].map(chamberInput),
        reason: "",
      })
    ).programme!;
    expect(programme.status).toBe(PS.PAIRING_PROGRAMME_STATUS_DRAFT);
    await expectAnswerIsRead(programme);
    expect(programme.chambers.map((c) => [c.districtCode, c.industrySection])).toEqual([
      ["120101", "C"],
      ["120101", "I"],
      ["120101", "C"],
      ["120101", "I"],
      ["120102", "C"],
      ["120102", "I"],
    ]);
    programme = (
      await ls().pairing.solvePairingProgramme({ programmeId: programme.programmeId, expectedRevision: programme.revision, reason: "" })
    ).programme!;
    expect(programme.status).toBe(PS.PAIRING_PROGRAMME_STATUS_PROPOSED);
    await expectAnswerIsRead(programme);
    const reference = bruteForcePairing(instanceOf(programme));
    expect(reference.unserved).toBe(0);
    expect(Number(programme.result!.totalCost)).toBe(reference.cost);
    expect(programme.result!.objective).toMatch(/least total cost/);
    const { pairs } = await ls().pairing.listPairs({
      filter: { programmeId: programme.programmeId, districtCode: "", chamberCreditCode: "", firmCreditCode: "", status: 0 },
      page: undefined,
    });
    expect(pairs).toHaveLength(6);
    expect(pairs.reduce((s, p) => s + p.cost, 0)).toBe(reference.cost);
    const k6 = pairs.find((p) => p.chamber!.creditCode === chambers.K6!.creditCode)!;
    expect(k6.components.map((c) => c.factor)).toEqual(["district", "industry"]);
    expect(k6.explanation).toMatch(/cost \d+: /);
  });

  it("refuses a withdrawal before confirmation, then confirms", async () => {
    const early = await statusOf(
      ls().pairing.withdrawPairingFirm({
        programmeId: programme.programmeId,
        expectedRevision: 0,
        firmCreditCode: firms.F3!.creditCode,
        reason: "退出",
      }),
    );
    expect(early.code).toBe(status.FAILED_PRECONDITION);
    programme = (
      await ls().pairing.confirmPairingProgramme({ programmeId: programme.programmeId, expectedRevision: programme.revision, reason: "" })
    ).programme!;
    expect(programme.status).toBe(PS.PAIRING_PROGRAMME_STATUS_ACTIVE);
    await expectAnswerIsRead(programme);
    // The confirmed pairs go down to the districts of their chambers and firms.
    const rows = await query<{ topic: string; payload: Buffer }>(
      city.database.url,
      "select topic, payload from legal_services.outbox where event_type = 'jinlian.legal-services.pairing.pairs-assigned.v1' order by seq",
    );
    expect(rows.map((r) => r.topic)).toEqual([`${ns}.120000.legal-services.to.120101`, `${ns}.120000.legal-services.to.120102`]);
    const toHedong = legalServicesEventsV1.PairsAssigned.decode(rows[1]!.payload);
    expect(toHedong.pairs.every((p) => p.chamberDistrictCode === "120102" || p.firmDistrictCode === "120102")).toBe(true);
  });

  it("re-pairs minimally when a firm leaves: only its chambers move, then least cost", async () => {
    const before = await activePairs(programme.programmeId);
    const current = new Map(before.map((p) => [p.chamber!.creditCode, p.firm!.creditCode]));
    const leaving = firms.F3!.creditCode;
    const itsChambers = before.filter((p) => p.firm!.creditCode === leaving).map((p) => p.chamber!.creditCode);
    expect(itsChambers.length).toBeGreaterThan(0);
    const r = await ls().pairing.withdrawPairingFirm({
      programmeId: programme.programmeId,
      expectedRevision: programme.revision,
      firmCreditCode: leaving,
      reason: "律所注销",
    });
    programme = r.programme!;
    await expectAnswerIsRead(programme);
    expect(r.endedPairs.map((p) => p.chamber!.creditCode).sort()).toEqual([...itsChambers].sort());
    expect(r.newPairs.map((p) => p.chamber!.creditCode).sort()).toEqual([...itsChambers].sort());
    expect(r.endedPairs[0]!.endReason).toMatch(/left the programme: 律所注销/);
    expect(programme.result!.changedPairs).toBe(itsChambers.length);
    const after = await activePairs(programme.programmeId);
    // Every other pair is the same pair as before (same id), untouched.
    const kept = before
      .filter((p) => p.firm!.creditCode !== leaving)
      .map((p) => p.pairId)
      .sort();
    expect(
      after
        .filter((p) => !itsChambers.includes(p.chamber!.creditCode))
        .map((p) => p.pairId)
        .sort(),
    ).toEqual(kept);
    // Exact reference: the fewest changes first, then least cost, from the same current pairs.
    const withdrawnCurrent = new Map([...current].map(([c, f]) => [c, f === leaving ? "" : f]));
    const reference = bruteForcePairing(instanceOf(programme, withdrawnCurrent));
    expect([reference.unserved, reference.changed]).toEqual([0, itsChambers.length]);
    expect(Number(programme.result!.totalCost)).toBe(reference.cost);
  });

  it("records a pair's agreement, activities and annual review, refusing a second agreement", async () => {
    const [pair] = await activePairs(programme.programmeId);
    const signed = await ls().pairing.recordPairAgreement({
      programmeId: programme.programmeId,
      expectedRevision: programme.revision,
      pairId: pair!.pairId,
      signTime: new Date("2026-03-01T02:00:00Z"),
      reason: "",
    });
    expect(signed.pair!.agreementSignTime).toEqual(new Date("2026-03-01T02:00:00Z"));
    const activity = await ls().pairing.recordPairActivity({
      programmeId: programme.programmeId,
      expectedRevision: signed.programmeRevision,
      pairId: pair!.pairId,
      activity: {
        activityId: "",
        kind: "法治体检",
        title: "会员企业法治体检",
        heldTime: new Date("2026-04-01T02:00:00Z"),
        enterprisesServed: 12,
      },
      reason: "",
    });
    const review = await ls().pairing.recordPairReview({
      programmeId: programme.programmeId,
      expectedRevision: activity.programmeRevision,
      pairId: pair!.pairId,
      review: {
        year: 2026,
        rating: legalServicesV1.PairReviewRating.PAIR_REVIEW_RATING_EXCELLENT,
        comment: "服务到位",
        reviewTime: undefined,
      },
      reason: "",
    });
    expect(review.pair!.activities).toHaveLength(1);
    expect(review.pair!.reviews[0]!.rating).toBe(legalServicesV1.PairReviewRating.PAIR_REVIEW_RATING_EXCELLENT);
    const twice = await statusOf(
      ls().pairing.recordPairAgreement({
        programmeId: programme.programmeId,
        expectedRevision: 0,
        pairId: pair!.pairId,
        signTime: new Date(),
        reason: "",
      }),
    );
    expect(twice.code).toBe(status.FAILED_PRECONDITION);
  });
});

describe("an infeasible programme", () => {
  it("names the chambers it cannot serve and why, and cannot be confirmed", async () => {
    let p = (
      await ls().pairing.createPairingProgramme({
        name: "容量不足的方案",
        year: 2026,
        weights: { districtMismatch: 3, industryMismatch: 2, preferenceRank: 1 },
        firms: [firmInput("F1", 1, ["C"])],
        chambers: ["K1", "K3", "K7"].map(chamberInput),
        reason: "",
      })
    ).programme!;
    p = (await ls().pairing.solvePairingProgramme({ programmeId: p.programmeId, expectedRevision: 0, reason: "" })).programme!;
    expect(p.status).toBe(PS.PAIRING_PROGRAMME_STATUS_INFEASIBLE);
    expect(p.result!.unservedChambers).toHaveLength(2);
    const [crowded, alone] = [...p.result!.shortfalls].sort((a, b) => b.chambers.length - a.chambers.length);
    expect(crowded!.chambers.map((c) => c.creditCode).sort()).toEqual([chambers.K1!.creditCode, chambers.K3!.creditCode].sort());
    expect(crowded!.firms.map((f) => f.creditCode)).toEqual([firms.F1!.creditCode]);
    expect(crowded!.capacity).toBe(1);
    expect(crowded!.explanation).toMatch(/2 chambers can only be served by 1 firm\(s\) with capacity 1/);
    expect(alone!.chambers.map((c) => c.creditCode)).toEqual([chambers.K7!.creditCode]);
    expect(alone!.explanation).toMatch(/none serves district 120103/);
    const refused = await statusOf(ls().pairing.confirmPairingProgramme({ programmeId: p.programmeId, expectedRevision: 0, reason: "" }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
  });

  it("refuses bad participants naming each field, and a chamber that is not a chamber", async () => {
    const bad = await statusOf(
      ls().pairing.createPairingProgramme({
        name: "",
        year: 1900,
        weights: { districtMismatch: -1, industryMismatch: 2, preferenceRank: 1 },
        firms: [{ ...firmInput("F1", 0, ["Z"]) }],
        chambers: [{ creditCode: chambers.K1!.creditCode, preferredFirmCreditCodes: [firms.F2!.creditCode] }],
        reason: "",
      }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((f) => f.field)).toEqual([
      "name",
      "year",
      "weights.district_mismatch",
      "firms[0].capacity",
      "firms[0].industry_sections[0]",
      "chambers[0].preferred_firm_credit_codes[0]",
    ]);
    const notChamber = await statusOf(
      ls().pairing.createPairingProgramme({
        name: "x",
        year: 2026,
        weights: undefined,
        firms: [firmInput("F1", 1, [])],
        chambers: [{ creditCode: firms.F2!.creditCode, preferredFirmCreditCodes: [] }],
        reason: "",
      }),
    );
    expect(notChamber.fieldViolations.map((f) => f.field)).toEqual(["chambers[0].credit_code"]);
  });
});
