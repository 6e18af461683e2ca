import { AbortedError, fromDatabaseError, UnavailableError } from "./errors";

describe("given a failure from the database", () => {
  it.each(["23505", "40001", "40P01"])("when it is %s (a concurrent change won), then the caller gets ABORTED", (code) => {
    const mapped = fromDatabaseError(Object.assign(new Error("duplicate key"), { code }));
    expect(mapped).toBeInstanceOf(AbortedError);
    expect((mapped as AbortedError).reason).toBe("CONCURRENT_CHANGE");
  });

  it.each(["08006", "57P01", "ECONNREFUSED"])("when it is %s (the database is out of reach), then the caller gets UNAVAILABLE", (code) => {
    expect(fromDatabaseError(Object.assign(new Error("gone"), { code }))).toBeInstanceOf(UnavailableError);
  });

  it("when the pool timed out, then the caller gets UNAVAILABLE", () => {
    expect(fromDatabaseError(Object.assign(new Error("timeout"), { name: "KnexTimeoutError" }))).toBeInstanceOf(UnavailableError);
  });

  it("when it is anything else (a bug), then it is left as it is and becomes INTERNAL", () => {
    const bug = Object.assign(new Error("column does not exist"), { code: "42703" });
    expect(fromDatabaseError(bug)).toBe(bug);
    const plain = new TypeError("x is undefined");
    expect(fromDatabaseError(plain)).toBe(plain);
  });
});
