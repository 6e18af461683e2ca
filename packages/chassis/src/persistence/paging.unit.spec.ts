import knex from "knex";
import { Violations } from "../common/errors";
import { keysetPage, pageOf, readPageRequest, textCursor, timeCursor, type CursorCheck } from "./paging";

// Only builds SQL: no connection is made.
const db = knex({ client: "pg" });
const ID = "0b6f3c9e-4a8e-4c55-9d2a-2f6a8e1c7d10";

describe("keysetPage", () => {
  afterAll(() => db.destroy());

  it("given a newest-first order and a cursor, then it keeps the rows before the cursor, newest first", () => {
    const q = keysetPage(
      db("entries").where("status", "OPEN"),
      { key: "e.created_at", keyType: "timestamptz", id: "e.entry_id", direction: "desc" },
      { key: "2026-03-01T08:00:00.000Z", id: ID },
    );
    const { sql, bindings } = q.toSQL();
    expect(sql).toBe(
      'select * from "entries" where "status" = ? and (e.created_at, e.entry_id) < (?::timestamptz, ?::uuid) order by e.created_at desc, e.entry_id desc',
    );
    expect(bindings).toEqual(["OPEN", "2026-03-01T08:00:00.000Z", ID]);
  });

  it("given an ascending text order and a cursor, then it keeps the rows after the cursor, with the key uncast", () => {
    const { sql, bindings } = keysetPage(
      db("providers"),
      { key: "name", id: "provider_id", direction: "asc" },
      { key: "Alpha", id: ID },
    ).toSQL();
    expect(sql).toBe('select * from "providers" where (name, provider_id) > (?, ?::uuid) order by name asc, provider_id asc');
    expect(bindings).toEqual(["Alpha", ID]);
  });

  it("given no cursor, then it only sorts, and leaves the limit to the caller", () => {
    const { sql, bindings } = keysetPage(
      db("entries"),
      { key: "created_at", keyType: "timestamptz", id: "entry_id", direction: "desc" },
      undefined,
    )
      .limit(21)
      .toSQL();
    expect(sql).toBe('select * from "entries" order by created_at desc, entry_id desc limit ?');
    expect(bindings).toEqual([21]);
  });
});

describe("readPageRequest", () => {
  const filter = { status: "OPEN" };
  /** A token a list issued after a row with this cursor. */
  const issued = (key: string, id: string) => {
    const request = readPageRequest(new Violations(), filter, 1, "", timeCursor);
    return pageOf(
      [
        { key, id },
        { key, id },
      ],
      request,
      (r) => r,
    ).nextPageToken;
  };
  /** The same token with its cursor changed by hand, its filter fingerprint kept. */
  const altered = (token: string, cursor: { k?: unknown; id?: unknown }) =>
    Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token, "base64url").toString("utf8")), ...cursor })).toString("base64url");
  const read = (token: string, check: CursorCheck) => {
    const v = new Violations();
    const request = readPageRequest(v, filter, 1, token, check);
    return { after: request.after, fields: v.all.map((x) => x.field) };
  };
  const time = "2026-03-01T08:00:00.000Z";

  it("given a token the list issued, then it continues after that cursor", () => {
    expect(read(issued(time, ID), timeCursor)).toEqual({ after: { key: time, id: ID }, fields: [] });
  });

  it("given a token whose cursor was altered, then it is a page_token violation, never a cursor handed on to SQL", () => {
    const token = issued(time, ID);
    for (const cursor of [
      { id: "not-a-uuid" },
      { k: "yesterday" },
      { k: "1" }, // a year to Date.parse, not a time to PostgreSQL
      { k: "2026-13-01T08:00:00.000Z" },
      { k: 5 },
      { id: "" },
      { k: "x".repeat(1001) },
    ])
      expect({ cursor, ...read(altered(token, cursor), timeCursor) }).toEqual({ cursor, after: undefined, fields: ["page.page_token"] });
  });

  it("given a text-sorted list, then any name is a key but the id must be a uuid", () => {
    const token = issued("天津市工商业联合会", ID);
    expect(read(token, textCursor).after).toEqual({ key: "天津市工商业联合会", id: ID });
    expect(read(altered(token, { id: "1 or 1=1" }), textCursor).fields).toEqual(["page.page_token"]);
  });

  it("given a token of another filter, then it says so", () => {
    const v = new Violations();
    readPageRequest(v, { status: "CLOSED" }, 1, issued(time, ID), timeCursor);
    expect(v.all).toEqual([{ field: "page.page_token", description: "belongs to a different filter" }]);
  });
});
