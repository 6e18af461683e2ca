import { checkPayload, checkSource, reasonOf } from "./inbound";

const upFromHeping = "jinlian.120101.liaison.to.120000";

describe("the source of an event on a delivery topic", () => {
  it("is accepted from the topic's sender and service, which it returns", () => {
    expect(checkSource(upFromHeping, "/jinlian/120101/liaison")).toEqual({ sender: "120101" });
  });

  it.each([
    [
      "/jinlian/120102/liaison",
      "source_not_sender",
      /names node 120102, but jinlian\.120101\.liaison\.to\.120000 is written by node 120101/,
    ],
    ["/jinlian/120000/liaison", "source_not_sender", /names node 120000/],
    ["/jinlian/120101/bulletins", "source_wrong_service", /names service bulletins, but .* carries liaison events/],
    ["/jinlian/120101/liaison/", "source_unparsable", /is not \/jinlian\/<node>\/<service>/],
    ["urn:somewhere", "source_unparsable", /urn:somewhere/],
  ])("refuses %s (%s)", (source, check, message) => {
    const { sender, refusal } = checkSource(upFromHeping, source);
    expect(sender).toBeUndefined();
    expect(refusal?.check).toBe(check);
    expect(refusal?.message).toMatch(message);
    expect(reasonOf(refusal!.check)).toBe("FORGED");
  });

  it("is not checked on a topic that is not a delivery topic (no sender is known)", () => {
    expect(checkSource("jinlian.120000.liaison.registry", "/jinlian/120101/liaison")).toEqual({});
    expect(checkSource("jinlian.120000.liaison.registry", "garbage")).toEqual({});
  });
});

describe("the payload of an event", () => {
  interface Report {
    jurisdictionCode: string;
    note: string;
  }
  const rules = {
    reportsFor: (d: Report) => d.jurisdictionCode || undefined,
    validate: (d: Report) => (d.note ? [] : [{ field: "data.note", description: "is required" }]),
  };

  it("passes when it reports for the sender and is valid", () => {
    expect(checkPayload(rules, "120101", { jurisdictionCode: "120101", note: "done" })).toBeUndefined();
  });

  it("is refused as forged when it claims another jurisdiction than the sender", () => {
    const refusal = checkPayload(rules, "120101", { jurisdictionCode: "120102", note: "done" });
    expect(refusal).toEqual({ check: "claims_other_node", message: 'the payload reports for "120102", but was sent by node 120101' });
    expect(reasonOf(refusal!.check)).toBe("FORGED");
  });

  it("is refused with the violations when the validator finds any", () => {
    const refusal = checkPayload(rules, "120101", { jurisdictionCode: "120101", note: "" });
    expect(refusal).toEqual({ check: "invalid_payload", message: "invalid payload: data.note: is required" });
    expect(reasonOf(refusal!.check)).toBe("REFUSED");
  });

  it("names no claim check when it names no jurisdiction or no sender is known, but is still validated", () => {
    expect(checkPayload(rules, "120101", { jurisdictionCode: "", note: "done" })).toBeUndefined();
    expect(checkPayload(rules, undefined, { jurisdictionCode: "120102", note: "done" })).toBeUndefined();
    expect(checkPayload(rules, undefined, { jurisdictionCode: "120102", note: "" })?.check).toBe("invalid_payload");
  });

  it("is refused when a rule throws on it, since it would throw on every redelivery", () => {
    const throwing = {
      validate: (): never => {
        throw new Error("no activity");
      },
    };
    expect(checkPayload(throwing, "120101", {})).toEqual({ check: "invalid_payload", message: "invalid payload: no activity" });
  });

  it("passes without rules", () => {
    expect(checkPayload(undefined, "120101", { anything: true })).toBeUndefined();
  });
});
