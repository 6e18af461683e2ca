import { withCheckCharacter } from "@jinlian/kernel";
import { FailedPreconditionError } from "@jinlian/chassis";
import { violatedFields as fieldsOf } from "@jinlian/chassis/testing";
import {
  assertNoneDeactivated,
  deactivatedAmong,
  knownOrganisationFrom,
  type KnownOrganisation,
  type RegistryState,
} from "./known-organisation";

const ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const chamberCode = withCheckCharacter("51120101MJ7654321");
const bureau = { creditCode: withCheckCharacter("11120000MB1234567"), jurisdictionCode: "120000", name: "天津市司法局" };
const chamber = { creditCode: chamberCode, jurisdictionCode: "120101", name: "和平区总商会" };

function event(overrides: Partial<NonNullable<RegistryState["organisation"]>> = {}): RegistryState {
  return {
    organisationId: ID,
    organisation: {
      organisationId: ID,
      creditCode: chamberCode,
      name: " 和平区总商会 ",
      type: "CHAMBER_OF_COMMERCE",
      jurisdictionCode: "120101",
      status: "ACTIVE",
      revision: 3,
      ...overrides,
    },
  };
}

const known = (k: Partial<KnownOrganisation>): Pick<KnownOrganisation, "creditCode" | "name" | "active"> => ({
  creditCode: chamberCode,
  name: "和平区总商会",
  active: true,
  ...k,
});

describe("given a registry event carrying the whole organisation", () => {
  it("when it is read, then the projection takes its id, code, trimmed name, type, jurisdiction, status and revision", () => {
    expect(knownOrganisationFrom("REGISTERED", event())).toEqual({
      organisationId: ID,
      creditCode: chamberCode,
      name: "和平区总商会",
      type: "CHAMBER_OF_COMMERCE",
      jurisdictionCode: "120101",
      active: true,
      registryRevision: 3,
      heldHere: true,
      industry: undefined,
      memberOf: [],
      chamberCreditCode: "",
    });
  });

  it("when it carries industry, memberships and a chamber, then the projection keeps them by credit code", () => {
    const known = knownOrganisationFrom(
      "CORRECTED",
      event({ industry: { section: "C", description: "制造" }, memberOf: [bureau.creditCode], chamberCreditCode: chamberCode }),
    );
    expect(known).toMatchObject({
      industry: { section: "C", description: "制造" },
      memberOf: [bureau.creditCode],
      chamberCreditCode: chamberCode,
    });
  });

  it("when a move says MOVED, then the organisation is no longer held here; MOVED in another event is malformed", () => {
    expect(knownOrganisationFrom("MOVED", event({ status: "MOVED" }))).toMatchObject({ heldHere: false, active: false });
    expect(knownOrganisationFrom("MOVED", event({ status: "ACTIVE" }))).toMatchObject({ heldHere: true, active: true });
    expect(fieldsOf(() => knownOrganisationFrom("UPDATED", event({ status: "MOVED" })))).toEqual(["data.organisation.status"]);
    expect(fieldsOf(() => knownOrganisationFrom("REACTIVATED", event({ status: "DEACTIVATED" })))).toEqual(["data.organisation.status"]);
  });

  it("when it says DEACTIVATED, then the organisation is known as inactive", () => {
    expect(knownOrganisationFrom("DEACTIVATED", event({ status: "DEACTIVATED" })).active).toBe(false);
  });

  it("when the organisation is missing, then it is malformed (INVALID_ARGUMENT naming data.organisation)", () => {
    expect(fieldsOf(() => knownOrganisationFrom("UPDATED", { organisationId: ID, organisation: undefined }))).toEqual([
      "data.organisation",
    ]);
  });

  it("when the id is not a UUID or differs from the organisation's, then both are named", () => {
    expect(fieldsOf(() => knownOrganisationFrom("UPDATED", { ...event(), organisationId: "not-a-uuid" }))).toEqual([
      "data.organisation_id",
      "data.organisation.organisation_id",
    ]);
  });

  it("when the code, name, type, jurisdiction, status and revision are all bad, then each is named", () => {
    const bad = event({ creditCode: "91120000X", name: " ", type: undefined, jurisdictionCode: "110000", status: undefined, revision: 0 });
    expect(fieldsOf(() => knownOrganisationFrom("UPDATED", bad))).toEqual([
      "data.organisation.credit_code",
      "data.organisation.name",
      "data.organisation.type",
      "data.organisation.jurisdiction_code",
      "data.organisation.status",
      "data.organisation.revision",
    ]);
  });

  it("when a deactivation event carries an active organisation, then it is malformed", () => {
    expect(fieldsOf(() => knownOrganisationFrom("DEACTIVATED", event({ status: "ACTIVE" })))).toEqual(["data.organisation.status"]);
  });
});

describe("given a request naming organisations", () => {
  const named = [
    { field: "issuer", organisation: bureau },
    { field: "main_audience.organisations[0]", organisation: chamber },
    { field: "copy_audience.organisations[0]", organisation: { ...chamber, creditCode: withCheckCharacter("91120104MA0000001") } },
  ];

  it("when the registry does not know them, then nothing is refused (they may be another node's)", () => {
    expect(deactivatedAmong(named, [])).toEqual([]);
  });

  it("when the registry knows one as active, then nothing is refused", () => {
    expect(deactivatedAmong(named, [known({ active: true })])).toEqual([]);
  });

  it("when the registry knows one only as deactivated, then it is a violation naming its field and credit code", () => {
    const violations = deactivatedAmong(named, [known({ active: false })]);
    expect(violations).toEqual([
      {
        type: "ORGANISATION_DEACTIVATED",
        subject: `organisation/${chamberCode}`,
        description: expect.stringMatching(/^main_audience\.organisations\[0\]: 和平区总商会 .* is deactivated/),
      },
    ]);
    expect(() => assertNoneDeactivated(violations)).toThrow(FailedPreconditionError);
  });

  it("when a deactivated record and an active record share a code (re-registered), then the active one wins", () => {
    expect(deactivatedAmong(named, [known({ active: false }), known({ active: true })])).toEqual([]);
  });

  it("when the issuer is deactivated, then the issuer is named", () => {
    const violations = deactivatedAmong(named, [known({ creditCode: bureau.creditCode, name: bureau.name, active: false })]);
    expect(violations.map((v) => v.subject)).toEqual([`organisation/${bureau.creditCode}`]);
    expect(violations[0]!.description).toMatch(/^issuer: /);
  });

  it("when there are no violations, then the draft passes", () => {
    expect(() => assertNoneDeactivated([])).not.toThrow();
  });
});
