import { DISTRICT_CODES, withCheckCharacter } from "@jinlian/kernel";
import { FailedPreconditionError, InvalidArgumentError } from "@jinlian/chassis";
import { violatedFields as violationsOf } from "@jinlian/chassis/testing";
import {
  acknowledgedVersionFor,
  assertCanChange,
  deliveryNodes,
  displayNumber,
  issueYear,
  readState,
  resolveRecipients,
  validateDraft,
  type BulletinState,
  type DraftContent,
} from "./bulletin";

const bureau = { creditCode: withCheckCharacter("11120000MB1234567"), jurisdictionCode: "120000", name: "天津市司法局" };
const chamber = { creditCode: withCheckCharacter("51120101MJ7654321"), jurisdictionCode: "120101", name: "和平区总商会" };

function draft(overrides: Partial<DraftContent> = {}): DraftContent {
  return {
    kind: "WORK_BRIEFING",
    issuer: bureau,
    title: "工作简报",
    body: "正文",
    mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
    copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
    urgency: "ROUTINE",
    classification: "INTERNAL",
    acknowledgementWindowSeconds: 86400,
    ...overrides,
  };
}

const state = (s: Partial<BulletinState>): BulletinState => ({
  bulletinId: "b",
  origin: "ISSUED",
  status: "DRAFT",
  revision: 1,
  currentVersion: 0,
  ...s,
});

describe("drafting a bulletin", () => {
  it("given a complete draft from this node's bureau, when validated, then it is accepted", () => {
    expect(() => validateDraft(draft(), "120000")).not.toThrow();
  });

  it("given an empty draft, when validated, then every missing field is named", () => {
    const empty = draft({
      kind: undefined,
      issuer: undefined,
      title: " ",
      body: "",
      urgency: undefined,
      classification: undefined,
      mainAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
    });
    expect(violationsOf(() => validateDraft(empty, "120000")).sort()).toEqual(
      ["body", "classification", "issuer", "kind", "main_audience", "title", "urgency"].sort(),
    );
  });

  it("given an unknown district, a bad credit code and a foreign issuer, when validated, then each is a field violation", () => {
    const d = draft({
      issuer: { ...bureau, jurisdictionCode: "120101" },
      mainAudience: {
        allDistricts: false,
        jurisdictionCodes: ["120199"],
        organisations: [{ ...chamber, creditCode: chamber.creditCode.slice(0, 17) + "0" }],
      },
    });
    expect(violationsOf(() => validateDraft(d, "120000"))).toEqual([
      "issuer.jurisdiction_code",
      "main_audience.jurisdiction_codes[0]",
      "main_audience.organisations[0].credit_code",
    ]);
  });

  it("given the same recipient as main and copy, when validated, then the duplicate is refused", () => {
    const d = draft({ copyAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] } });
    expect(violationsOf(() => validateDraft(d, "120000"))).toEqual(["copy_audience.jurisdiction_codes[0]"]);
  });

  it("given an oversized title or a window under an hour, when validated, then they are refused", () => {
    expect(violationsOf(() => validateDraft(draft({ title: "标".repeat(201), acknowledgementWindowSeconds: 60 }), "120000"))).toEqual([
      "title",
      "acknowledgement_window",
    ]);
  });
});

describe("recipients", () => {
  it("given all districts as main and an organisation as copy, when resolved, then 16 nodes plus the organisation's node receive it", () => {
    const r = resolveRecipients(
      { allDistricts: true, jurisdictionCodes: [], organisations: [] },
      { allDistricts: false, jurisdictionCodes: [], organisations: [chamber] },
      "120000",
    );
    expect(r).toHaveLength(17);
    expect(r.filter((x) => x.role === "MAIN")).toHaveLength(16);
    expect(deliveryNodes(r, "120000")).toEqual([...DISTRICT_CODES]);
  });

  it("given an organisation of the issuing node, when resolved, then it is tracked locally and not delivered", () => {
    const local = { ...chamber, jurisdictionCode: "120000", creditCode: withCheckCharacter("51120000MJ7654321") };
    const r = resolveRecipients(
      { allDistricts: false, jurisdictionCodes: [], organisations: [local] },
      { allDistricts: false, jurisdictionCodes: [], organisations: [] },
      "120000",
    );
    expect(r[0]!.deliveryJurisdiction).toBe("120000");
    expect(deliveryNodes(r, "120000")).toEqual([]);
  });
});

describe("lifecycle", () => {
  it("given a draft, when publishing, then it is allowed; when correcting, then it is refused", () => {
    expect(() => assertCanChange(state({}), "publish")).not.toThrow();
    expect(() => assertCanChange(state({}), "correct")).toThrow(FailedPreconditionError);
  });

  it("given a received bulletin, when anyone tries to change it, then only the issuer may", () => {
    expect(() => assertCanChange(state({ origin: "RECEIVED", status: "PUBLISHED" }), "recall")).toThrow(/only the issuing node/);
  });

  it("given a recalled bulletin, when correcting, then it is refused", () => {
    expect(() => assertCanChange(state({ status: "RECALLED", currentVersion: 2 }), "correct")).toThrow(/has been recalled/);
  });

  it("numbers by the China Standard Time year", () => {
    expect(issueYear(new Date("2024-12-31T16:30:00Z"))).toBe(2025); // 00:30 on 1 January in Tianjin
    expect(displayNumber(2024, 12)).toBe("2024年第12期");
  });
});

describe("read receipts", () => {
  const due = new Date("2026-01-02T00:00:00Z");
  it("given version 2 is current, when a recipient has read version 1, then it is unread, and overdue after the deadline", () => {
    expect(readState("PUBLISHED", 2, 1, due, new Date("2026-01-01T00:00:00Z"))).toBe("UNREAD");
    expect(readState("PUBLISHED", 2, 1, due, new Date("2026-01-03T00:00:00Z"))).toBe("OVERDUE");
    expect(readState("PUBLISHED", 2, 2, due, new Date("2026-01-03T00:00:00Z"))).toBe("READ");
    expect(readState("RECALLED", 3, 1, null, new Date())).toBe("NOT_REQUIRED");
  });

  it("given a correction superseded version 1, when version 1 is acknowledged, then it is refused", () => {
    const s = state({ status: "PUBLISHED", currentVersion: 2 });
    expect(acknowledgedVersionFor(s, 0)).toBe(2);
    expect(() => acknowledgedVersionFor(s, 1)).toThrow(/superseded/);
    expect(() => acknowledgedVersionFor(s, 3)).toThrow(InvalidArgumentError);
  });
});
