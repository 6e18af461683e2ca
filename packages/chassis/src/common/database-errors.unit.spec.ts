import { isTransientDatabaseError } from "../inbox/consumer";
import { AbortedError, fromDatabaseError, UnavailableError } from "./errors";

describe("given a failure from the database", () => {
  it.each(["23505", "40001", "40P01"])("when it is %s (a concurrent change won), then the caller gets ABORTED", (code) => {
    const mapped = fromDatabaseError(Object.assign(new Error("duplicate key"), { code }));
    expect(mapped).toBeInstanceOf(AbortedError);
    expect((mapped as AbortedError).reason).toBe("CONCURRENT_CHANGE");
  });

  it.each([
    "08006",
    "08P01",
    "57P01",
    "57P02",
    "57P03",
    "53300",
    "53100",
    "55P03",
    "25006",
    "58030",
    "ECONNREFUSED",
    "ECONNRESET",
    "EPIPE",
  ])(
    "when it is %s (the database is out of reach or cannot take work now), then the caller gets UNAVAILABLE and a consumer retries",
    (code) => {
      const err = Object.assign(new Error("gone"), { code });
      expect(fromDatabaseError(err)).toBeInstanceOf(UnavailableError);
      expect(isTransientDatabaseError(err)).toBe(true);
    },
  );

  it.each(["Connection terminated unexpectedly", "Connection terminated", "timeout exceeded when trying to connect"])(
    "when node-postgres says %j without an SQLSTATE, then it is an outage",
    (message) => {
      expect(fromDatabaseError(new Error(message))).toBeInstanceOf(UnavailableError);
      expect(isTransientDatabaseError(new Error(message))).toBe(true);
    },
  );

  it.each([
    'select * from "bulletins" where "bulletin_id" = $1 limit $2 - Connection terminated unexpectedly',
    "ROLLBACK - Client has encountered a connection error and is not queryable",
    'insert into "outbox" ("seq") values ($1) - timeout exceeded when trying to connect',
  ])("when knex reports %j (the statement, then node-postgres' words), then it is an outage too", (message) => {
    // Met by the chaos suite while PostgreSQL restarted: calls answered INTERNAL, handlers were dead-lettered.
    expect(fromDatabaseError(new Error(message))).toBeInstanceOf(UnavailableError);
    expect(isTransientDatabaseError(new Error(message))).toBe(true);
  });

  it("when a message only contains those words elsewhere, then it is not an outage", () => {
    const err = new Error('relation "Connection terminated" does not exist');
    expect(fromDatabaseError(err)).toBe(err);
  });

  it("when a server error merely mentions a lost connection but has an SQLSTATE, then the code decides", () => {
    const err = Object.assign(new Error("Connection terminated by trigger"), { code: "P0001" });
    expect(fromDatabaseError(err)).toBe(err);
  });

  it("when a consumer's handler hits a unique violation, then it is not retried forever (it is a refusal)", () => {
    expect(isTransientDatabaseError(Object.assign(new Error("dup"), { code: "23505" }))).toBe(false);
    expect(isTransientDatabaseError(Object.assign(new Error("conflict"), { code: "40001" }))).toBe(true);
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
