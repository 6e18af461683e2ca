import { Violations } from "./errors";
import { periodField } from "./fields";

describe("periodField", () => {
  const read = (range: { startTime?: Date; endTime?: Date } | undefined) => {
    const v = new Violations();
    const period = periodField(v, "filter.publish_period", range);
    return { period, violations: v.all.map((x) => `${x.field}: ${x.description}`) };
  };

  it("treats an absent range or bound as open", () => {
    expect(read(undefined)).toEqual({ period: {}, violations: [] });
    const from = new Date("2026-01-01T00:00:00Z");
    expect(read({ startTime: from })).toEqual({ period: { from }, violations: [] });
  });

  it("refuses an end not after the start, naming the field", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    expect(read({ startTime: at, endTime: at }).violations).toEqual(["filter.publish_period.end_time: must be after start_time"]);
  });

  it("refuses an invalid time", () => {
    expect(read({ startTime: new Date(Number.NaN) }).violations).toEqual(["filter.publish_period.start_time: must be a valid time"]);
  });
});
