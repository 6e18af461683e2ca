/**
 * The bulletins service over gRPC at one node, against real Kafka and PostgreSQL: contract
 * behaviour, bad input, concurrency of numbering, health and reflection.
 */
import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { bulletinsV1 } from "@jinlian/proto";
import { uniqueNamespace } from "../harness/kafka";
import { readsDuring } from "../support/concurrent-reads";
import { bulletinsFootprint } from "../support/db";
import { draftRequest, HEPING_CHAMBER, MUNICIPAL_FEDERATION, MUNICIPAL_JUSTICE_BUREAU } from "../support/fixtures";
import { healthCheck, reflectedFileFor, reflectedServices } from "../support/grpc-introspection";
import { startTestNode, statusOf, type TestNode } from "../support/nodes";
import { APPROVER, approveAndPublish, registerIssuers } from "../support/issuers";
import { bulletinsOf } from "../support/answers";

const B = bulletinsV1;
jest.setTimeout(60_000);

let city: TestNode;

beforeAll(async () => {
  city = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("grpc") });
  await registerIssuers(city);
});

afterAll(async () => {
  await city?.stop();
  await city?.database.drop();
});

describe("operability", () => {
  it("reports SERVING for the server and for the bulletins service", async () => {
    expect(await healthCheck(city.address, "")).toBe("SERVING");
    expect(await healthCheck(city.address, "jinlian.bulletins.v1.BulletinsService")).toBe("SERVING");
  });

  it("lists and describes the service through reflection", async () => {
    expect(await reflectedServices(city.address)).toEqual(
      expect.arrayContaining(["grpc.health.v1.Health", "jinlian.bulletins.v1.BulletinsService"]),
    );
    expect(await reflectedFileFor(city.address, "jinlian.bulletins.v1.BulletinsService")).toBeGreaterThan(0);
  });
});

describe("drafting and publishing", () => {
  it("creates a draft without a number, then publishes it as 第1期 of the year with its recipients", async () => {
    const issuer = { ...MUNICIPAL_FEDERATION };
    const { bulletin: draft } = await bulletinsOf(city).createBulletinDraft(
      draftRequest({ issuer, kind: B.BulletinKind.BULLETIN_KIND_SPECIAL_NOTICE }),
    );
    expect(draft!.status).toBe(B.BulletinStatus.BULLETIN_STATUS_DRAFT);
    expect(draft!.issueNumber).toBeUndefined();
    expect(draft!.revision).toBe(1);

    const { bulletin: approved } = await bulletinsOf(city).approveBulletin({
      bulletinId: draft!.bulletinId,
      expectedRevision: 1,
      approver: APPROVER,
      reason: "",
    });
    expect(approved!.revision).toBe(2);
    const { bulletin } = await bulletinsOf(city).publishBulletin({ reason: "", bulletinId: draft!.bulletinId, expectedRevision: 2 });
    const year = Number(new Intl.DateTimeFormat("en", { timeZone: "Asia/Shanghai", year: "numeric" }).format(new Date()));
    expect(bulletin!.issueNumber).toEqual({ year, number: 1 });
    expect(bulletin!.displayNumber).toBe(`${year}年第1期`);
    expect(bulletin!.status).toBe(B.BulletinStatus.BULLETIN_STATUS_PUBLISHED);
    expect(bulletin!.versions.map((v) => v.change)).toEqual([B.VersionChange.VERSION_CHANGE_ORIGINAL]);
    expect(bulletin!.versions[0]!.audit!.actor).toBe("test-operator");
    expect(bulletin!.readSummary).toEqual({ recipients: 1, read: 0, unread: 1, overdue: 0 });
  });

  it("answers a new draft with what reading it back returns, and a repeat of the request with the same", async () => {
    // The first call answers from the state it saved (nothing read back); a repeat and a read load it.
    const request = draftRequest({
      issuer: { ...MUNICIPAL_JUSTICE_BUREAU, name: "" },
      coIssuers: [{ creditCode: MUNICIPAL_FEDERATION.creditCode, jurisdictionCode: "", name: "" }],
      mainAudience: { allDistricts: false, jurisdictionCodes: ["120101", "120102"], organisations: [HEPING_CHAMBER] },
      copyAudience: { allDistricts: true, jurisdictionCodes: [], organisations: [] },
      urgency: B.Urgency.URGENCY_URGENT,
      reason: "联合起草",
    });
    const requestId = randomUUID();
    const { bulletin: created } = await bulletinsOf(city).createBulletinDraft(request, { requestId });
    const { bulletin: read } = await city.bulletins.getBulletin({ bulletinId: created!.bulletinId, readerCreditCode: "" });
    expect(created).toEqual(read);
    expect(created!.coIssuers.map((o) => o.name)).toEqual([MUNICIPAL_FEDERATION.name]);
    const { bulletin: repeated } = await bulletinsOf(city).createBulletinDraft(request, { requestId });
    expect(repeated).toEqual(read);
  });

  it("creates one draft for concurrent repeats of a request, and refuses its request id with another draft, changing nothing", async () => {
    const request = draftRequest({ issuer: { ...MUNICIPAL_FEDERATION }, reason: "并发重试" });
    const requestId = randomUUID();
    const answers = await Promise.all([1, 2, 3].map(() => bulletinsOf(city).createBulletinDraft(request, { requestId })));
    expect(new Set(answers.map((a) => a.bulletin!.bulletinId)).size).toBe(1);
    expect(answers[1]!.bulletin).toEqual(answers[0]!.bulletin);
    const before = await bulletinsFootprint(city.database.url);
    const reused = await statusOf(bulletinsOf(city).createBulletinDraft({ ...request, title: "另一份通报" }, { requestId }));
    expect(reused.code).toBe(status.INVALID_ARGUMENT);
    expect(reused.fieldViolations.map((v) => v.field)).toEqual(["x-request-id"]);
    expect(await bulletinsFootprint(city.database.url)).toEqual(before);
  });

  it("gives 50 concurrent publications by one issuer the numbers 1..50 with no gap or duplicate", async () => {
    const issuer = { ...MUNICIPAL_JUSTICE_BUREAU };
    const drafts = [];
    for (let i = 0; i < 50; i++)
      drafts.push((await bulletinsOf(city).createBulletinDraft(draftRequest({ issuer, title: `并发简报 ${i}` }))).bulletin!);
    for (const d of drafts)
      await bulletinsOf(city).approveBulletin({ bulletinId: d.bulletinId, expectedRevision: 1, approver: APPROVER, reason: "" });
    const published = await Promise.all(
      drafts.map((d) => bulletinsOf(city).publishBulletin({ reason: "", bulletinId: d.bulletinId, expectedRevision: 0 })),
    );
    const numbers = published.map((p) => p.bulletin!.issueNumber!.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it("refuses a second publication (FAILED_PRECONDITION) and a stale revision (ABORTED), changing nothing", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest());
    await bulletinsOf(city).updateBulletinDraft({
      ...draftRequest(),
      bulletinId: d!.bulletinId,
      expectedRevision: 1,
      title: "修改后的标题",
    });
    const before = await bulletinsFootprint(city.database.url);
    const stale = await statusOf(bulletinsOf(city).publishBulletin({ reason: "", bulletinId: d!.bulletinId, expectedRevision: 1 }));
    expect(stale.code).toBe(status.ABORTED);
    expect(await bulletinsFootprint(city.database.url)).toEqual(before);

    await bulletinsOf(city).approveBulletin({ bulletinId: d!.bulletinId, expectedRevision: 2, approver: APPROVER, reason: "" });
    await bulletinsOf(city).publishBulletin({ reason: "", bulletinId: d!.bulletinId, expectedRevision: 3 });
    const again = await statusOf(bulletinsOf(city).publishBulletin({ reason: "", bulletinId: d!.bulletinId, expectedRevision: 0 }));
    expect(again.code).toBe(status.FAILED_PRECONDITION);
    expect(again.preconditionViolations[0]!.type).toBe("BULLETIN_NOT_DRAFT");
    const edit = await statusOf(
      bulletinsOf(city).updateBulletinDraft({ ...draftRequest(), bulletinId: d!.bulletinId, expectedRevision: 0 }),
    );
    expect(edit.code).toBe(status.FAILED_PRECONDITION);
    // A stale revision is answered first, whatever else is wrong: the caller must re-read.
    const staleEdit = await statusOf(
      bulletinsOf(city).updateBulletinDraft({ ...draftRequest(), bulletinId: d!.bulletinId, expectedRevision: 1 }),
    );
    expect(staleEdit.code).toBe(status.ABORTED);
    const staleAgain = await statusOf(bulletinsOf(city).publishBulletin({ reason: "", bulletinId: d!.bulletinId, expectedRevision: 1 }));
    expect(staleAgain.code).toBe(status.ABORTED);
  });

  it("reads a bulletin being corrected as one state: its versions always reach its current version", async () => {
    const { bulletin: draft } = await bulletinsOf(city).createBulletinDraft(draftRequest({ issuer: { ...MUNICIPAL_JUSTICE_BUREAU } }));
    const id = draft!.bulletinId;
    await approveAndPublish(city.bulletins, id);
    const seen = await readsDuring(
      async () => {
        for (let n = 2; n <= 16; n++)
          await bulletinsOf(city).correctBulletin({ bulletinId: id, expectedRevision: 0, title: `第${n}版`, body: "正文", reason: "更正" });
      },
      async () => {
        const { bulletin } = await city.bulletins.getBulletin({ bulletinId: id, readerCreditCode: "" });
        return {
          current: bulletin!.currentVersion,
          versions: bulletin!.versions.length,
          title: bulletin!.title,
          last: bulletin!.versions.at(-1)!.title,
        };
      },
    );
    expect(seen.length).toBeGreaterThan(1);
    for (const s of seen) expect({ versions: s.versions, last: s.last }).toEqual({ versions: s.current, last: s.title });
  });

  it("answers NOT_FOUND for an unknown bulletin and INVALID_ARGUMENT for a malformed id", async () => {
    const missing = await statusOf(
      city.bulletins.getBulletin({ bulletinId: "00000000-0000-4000-8000-000000000000", readerCreditCode: "" }),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
    const bad = await statusOf(city.bulletins.getBulletin({ bulletinId: "not-a-uuid", readerCreditCode: "" }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations).toEqual([{ field: "bulletin_id", description: "must be a UUID" }]);
  });
});

describe("bad input changes nothing", () => {
  const cases: [string, Partial<bulletinsV1.CreateBulletinDraftRequest>, string[]][] = [
    [
      "an empty request",
      {
        kind: 0,
        issuer: undefined,
        title: "",
        body: "",
        urgency: 0,
        classification: 0,
        mainAudience: undefined,
        copyAudience: undefined,
        acknowledgementWindow: undefined,
      },
      ["kind", "issuer", "title", "body", "urgency", "classification", "main_audience"],
    ],
    ["an oversized body and title", { title: "标".repeat(201), body: "文".repeat(50_001) }, ["title", "body"]],
    [
      "an enum value the contract does not define",
      { kind: 99 as bulletinsV1.BulletinKind, urgency: 7 as bulletinsV1.Urgency },
      ["kind", "urgency"],
    ],
    [
      "an unknown recipient",
      {
        mainAudience: {
          allDistricts: false,
          jurisdictionCodes: ["120199"],
          organisations: [{ ...HEPING_CHAMBER, creditCode: "91120101MA00000000" }],
        },
      },
      ["main_audience.jurisdiction_codes[0]", "main_audience.organisations[0].credit_code"],
    ],
    [
      "a bad jurisdiction code for the issuer",
      { issuer: { ...MUNICIPAL_JUSTICE_BUREAU, jurisdictionCode: "12000" } },
      ["issuer.jurisdiction_code"],
    ],
    ["an issuer of another node", { issuer: { ...HEPING_CHAMBER } }, ["issuer.jurisdiction_code"]],
    ["a fractional acknowledgement window", { acknowledgementWindow: { seconds: "7200", nanos: 5 } }, ["acknowledgement_window"]],
  ];

  it.each(cases)("refuses %s with INVALID_ARGUMENT naming the fields", async (_what, overrides, fields) => {
    const before = await bulletinsFootprint(city.database.url);
    const st = await statusOf(bulletinsOf(city).createBulletinDraft(draftRequest(overrides)));
    expect(st.code).toBe(status.INVALID_ARGUMENT);
    expect(st.fieldViolations.map((v) => v.field)).toEqual(fields);
    expect(st.fieldViolations.every((v) => v.description.length > 0)).toBe(true);
    expect(st.requestId).toBeTruthy();
    expect(await bulletinsFootprint(city.database.url)).toEqual(before);
  });

  it("refuses an audience over the limit, named codes repeated or holding quotes and NUL, with INVALID_ARGUMENT, changing nothing", async () => {
    // The registry's records of every named code are read before the decision (with BEGIN, as
    // literals): the read must bear any text and any number a message can carry.
    const named = (creditCode: string, n: number) => ({ ...HEPING_CHAMBER, creditCode, name: `商会${n}` });
    const many = Array.from({ length: 2_000 }, (_, n) => named(`91120101MA${String(n).padStart(8, "0")}`, n));
    const odd = [named("91120101MA0'; --\\", 1), named("91120101MA\u00000000", 2), named(HEPING_CHAMBER.creditCode, 3)];
    const before = await bulletinsFootprint(city.database.url);
    const started = Date.now();
    for (const organisations of [[...many, ...many.slice(0, 100)], odd]) {
      const st = await statusOf(
        bulletinsOf(city).createBulletinDraft(
          draftRequest({
            mainAudience: { allDistricts: false, jurisdictionCodes: [], organisations },
            copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: odd },
          }),
        ),
      );
      expect(st.code).toBe(status.INVALID_ARGUMENT);
      expect(st.fieldViolations.length).toBeGreaterThan(0);
    }
    const oddOnly = await statusOf(
      bulletinsOf(city).createBulletinDraft(
        draftRequest({ mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: odd.slice(0, 2) } }),
      ),
    );
    expect(oddOnly.code).toBe(status.INVALID_ARGUMENT);
    expect(oddOnly.fieldViolations.map((v) => v.field)).toEqual([
      "main_audience.organisations[0].credit_code",
      "main_audience.organisations[1].credit_code",
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await bulletinsFootprint(city.database.url)).toEqual(before);
  });

  it("refuses a correction without a reason and an acknowledgement by someone who is not a recipient", async () => {
    const { bulletin: d } = await bulletinsOf(city).createBulletinDraft(draftRequest());
    const bulletin = await approveAndPublish(city.bulletins, d!.bulletinId);
    const before = await bulletinsFootprint(city.database.url);
    const noReason = await statusOf(
      bulletinsOf(city).correctBulletin({ bulletinId: bulletin!.bulletinId, expectedRevision: 0, title: "t", body: "b", reason: " " }),
    );
    expect(noReason.fieldViolations.map((v) => v.field)).toEqual(["reason"]);
    // 120101 is a recipient, but its copy lives at the district node, not here.
    const elsewhere = await statusOf(
      bulletinsOf(city).acknowledgeBulletin(
        B.AcknowledgeBulletinRequest.fromPartial({
          reason: "",
          bulletinId: bulletin!.bulletinId,
          recipient: { recipient: { $case: "jurisdictionCode", value: "120101" } },
          version: 0,
          readerName: "x",
        }),
      ),
    );
    expect(elsewhere.code).toBe(status.INVALID_ARGUMENT);
    expect(elsewhere.fieldViolations.map((v) => v.field)).toEqual(["recipient"]);
    const badPage = await statusOf(
      city.bulletins.listBulletins({ filter: undefined, page: { pageSize: 1000, pageToken: "%%%" }, readerCreditCode: "" }),
    );
    expect(badPage.fieldViolations.map((v) => v.field)).toEqual(["page.page_size", "page.page_token"]);
    expect(await bulletinsFootprint(city.database.url)).toEqual(before);
  });
});

describe("list and search", () => {
  it("filters by issuer, kind, year, text and read status, and pages without overlap", async () => {
    // The federation issues only these special notices here; the bureau issues the rest.
    const issuer = { ...MUNICIPAL_FEDERATION };
    for (let i = 0; i < 5; i++) {
      const { bulletin } = await bulletinsOf(city).createBulletinDraft(
        draftRequest({ issuer, title: `营商环境专题 ${i}`, kind: B.BulletinKind.BULLETIN_KIND_SPECIAL_NOTICE }),
      );
      if (i < 4) await approveAndPublish(city.bulletins, bulletin!.bulletinId);
    }
    const filter = B.BulletinFilter.fromPartial({
      issuerCreditCode: issuer.creditCode,
      kind: B.BulletinKind.BULLETIN_KIND_SPECIAL_NOTICE,
      text: "营商环境",
    });
    const seen: string[] = [];
    let token = "";
    do {
      const page = await city.bulletins.listBulletins({ filter, page: { pageSize: 2, pageToken: token }, readerCreditCode: "" });
      expect(page.page!.totalSize).toBe(5);
      seen.push(...page.bulletins.map((b) => b.bulletinId));
      token = page.page!.nextPageToken;
    } while (token);
    expect(new Set(seen).size).toBe(5);

    const unread = await city.bulletins.listBulletins({
      filter: { ...filter, readStatus: B.ReadStatusFilter.READ_STATUS_FILTER_HAS_UNREAD },
      page: undefined,
      readerCreditCode: "",
    });
    expect(unread.bulletins).toHaveLength(4);
    const drafts = await city.bulletins.listBulletins({
      filter: { ...filter, status: B.BulletinStatus.BULLETIN_STATUS_DRAFT },
      page: undefined,
      readerCreditCode: "",
    });
    expect(drafts.bulletins).toHaveLength(1);
    const none = await city.bulletins.listBulletins({ filter: { ...filter, text: "100%_不存在" }, page: undefined, readerCreditCode: "" });
    expect(none.page!.totalSize).toBe(0);
    const wrongFilter = await statusOf(
      city.bulletins.listBulletins({
        filter: { ...filter, text: "别的" },
        page: {
          pageSize: 2,
          pageToken: (await city.bulletins.listBulletins({ filter, page: { pageSize: 2, pageToken: "" }, readerCreditCode: "" })).page!
            .nextPageToken,
        },
        readerCreditCode: "",
      }),
    );
    expect(wrongFilter.fieldViolations.map((v) => v.field)).toEqual(["page.page_token"]);
  });
});
