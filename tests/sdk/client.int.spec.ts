/**
 * The client SDK against a running node on real Kafka and PostgreSQL: typed errors with
 * violations, idempotent retries keyed by request id, deadlines, and trace propagation.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import {
  AbortedError,
  bulletinsClient,
  createClient,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from "@jinlian/client";
import { installInMemoryTracing } from "@jinlian/chassis/testing";
import { bulletinsV1 } from "@jinlian/proto";
import { SpanKind } from "@opentelemetry/api";
import { uniqueNamespace } from "../harness/kafka";
import { query } from "../support/db";
import { draftRequest } from "../support/fixtures";
import { startTestNode, type TestNode } from "../support/nodes";
import { APPROVER, registerIssuers } from "../support/issuers";
import { tokenForAddress } from "../support/auth";

jest.setTimeout(60_000);
const { exporter } = installInMemoryTracing();
let node: TestNode;

beforeAll(async () => {
  node = await startTestNode({ jurisdictionCode: "120000", namespace: uniqueNamespace("sdk") });
  await registerIssuers(node);
});
afterAll(async () => {
  await node?.stop();
  await node?.database.drop();
});

describe("typed errors", () => {
  it("decodes field violations, preconditions and the server's request id", async () => {
    const client = bulletinsClient({ address: node.address, actor: "sdk-test", token: tokenForAddress(node.address, "sdk-test") });
    try {
      const invalid = await client.createBulletinDraft(draftRequest({ title: "" })).catch((e) => e);
      expect(invalid).toBeInstanceOf(InvalidArgumentError);
      expect(invalid.fieldViolations).toEqual([{ field: "title", description: "is required" }]);
      expect(invalid.requestId).toBeTruthy();
      expect(invalid.method).toBe("/jinlian.bulletins.v1.BulletinsService/CreateBulletinDraft");

      await expect(client.getBulletin({ bulletinId: randomUUID(), readerCreditCode: "" })).rejects.toBeInstanceOf(NotFoundError);

      const { bulletin } = await client.createBulletinDraft(draftRequest());
      await expect(client.publishBulletin({ reason: "", bulletinId: bulletin!.bulletinId, expectedRevision: 7 })).rejects.toBeInstanceOf(
        AbortedError,
      );
      await client.approveBulletin({ bulletinId: bulletin!.bulletinId, expectedRevision: 1, approver: APPROVER, reason: "" });
      await client.publishBulletin({ reason: "", bulletinId: bulletin!.bulletinId, expectedRevision: 2 });
      const again = await client.publishBulletin({ reason: "", bulletinId: bulletin!.bulletinId, expectedRevision: 0 }).catch((e) => e);
      expect(again).toBeInstanceOf(FailedPreconditionError);
      expect(again.preconditionViolations[0].type).toBe("BULLETIN_NOT_DRAFT");
    } finally {
      client.close();
    }
  });
});

describe("idempotency by request id", () => {
  it("answers a repeated mutation with the first result and applies it once", async () => {
    const client = bulletinsClient({ address: node.address, actor: "sdk-test", token: tokenForAddress(node.address, "sdk-test") });
    try {
      const requestId = randomUUID();
      const first = await client.createBulletinDraft(draftRequest({ title: "幂等创建" }), { requestId });
      const repeat = await client.createBulletinDraft(draftRequest({ title: "幂等创建" }), { requestId });
      expect(repeat.bulletin!.bulletinId).toBe(first.bulletin!.bulletinId);
      const rows = await query(node.database.url, "select 1 from bulletins.bulletins where title = $1", ["幂等创建"]);
      expect(rows).toHaveLength(1);

      await client.approveBulletin({ bulletinId: first.bulletin!.bulletinId, expectedRevision: 0, approver: APPROVER, reason: "" });
      const publishId = randomUUID();
      const published = await client.publishBulletin(
        { reason: "", bulletinId: first.bulletin!.bulletinId, expectedRevision: 0 },
        { requestId: publishId },
      );
      const replayed = await client.publishBulletin(
        { reason: "", bulletinId: first.bulletin!.bulletinId, expectedRevision: 0 },
        { requestId: publishId },
      );
      expect(replayed.bulletin!.issueNumber).toEqual(published.bulletin!.issueNumber);
      const events = await query(node.database.url, "select 1 from bulletins.outbox where message_key = $1", [first.bulletin!.bulletinId]);
      expect(events).toHaveLength(1);
      // Another request id is another call: the bulletin is no longer a draft.
      await expect(
        client.publishBulletin({ reason: "", bulletinId: first.bulletin!.bulletinId, expectedRevision: 0 }),
      ).rejects.toBeInstanceOf(FailedPreconditionError);
    } finally {
      client.close();
    }
  });

  it("concurrent repeats of one request id create one draft", async () => {
    const client = bulletinsClient({ address: node.address, actor: "sdk-test", token: tokenForAddress(node.address, "sdk-test") });
    try {
      const requestId = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => client.createBulletinDraft(draftRequest({ title: "并发幂等" }), { requestId })),
      );
      expect(new Set(results.map((r) => r.bulletin!.bulletinId)).size).toBe(1);
      expect(await query(node.database.url, "select 1 from bulletins.bulletins where title = $1", ["并发幂等"])).toHaveLength(1);
    } finally {
      client.close();
    }
  });
});

describe("retries and deadlines", () => {
  async function closedPort(): Promise<number> {
    return new Promise((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
  }

  it("retries an idempotent call on UNAVAILABLE with one request id, and never a non-idempotent one", async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    exporter.reset();
    const retrying = bulletinsClient({
      address,
      retry: { maxAttempts: 3, initialBackoffMs: 20 },
      deadlineMs: 5_000,
      token: tokenForAddress(address),
    });
    await expect(retrying.getBulletin({ bulletinId: randomUUID(), readerCreditCode: "" })).rejects.toBeInstanceOf(UnavailableError);
    retrying.close();
    const strict = createClient(
      bulletinsV1.BulletinsServiceService,
      { address, retry: { maxAttempts: 3, initialBackoffMs: 20 } },
      { idempotent: [] },
    );
    await expect(strict.getBulletin({ bulletinId: randomUUID(), readerCreditCode: "" })).rejects.toBeInstanceOf(UnavailableError);
    strict.close();
    const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(spans.map((s) => s.events.filter((e) => e.name === "retry").length)).toEqual([2, 0]);
  });

  it("gives every call a deadline", async () => {
    // A server that accepts connections and never answers; closing it stops only the listening,
    // so the connection it accepted is ended by hand (left open, it kept jest's worker alive).
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => accepted.add(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const { port } = silent.address() as net.AddressInfo;
    const client = bulletinsClient({ address: `127.0.0.1:${port}`, deadlineMs: 300 });
    const started = Date.now();
    await expect(client.getBulletin({ bulletinId: randomUUID(), readerCreditCode: "" })).rejects.toMatchObject({ code: 4 }); // DEADLINE_EXCEEDED
    expect(Date.now() - started).toBeLessThan(5_000);
    client.close();
    for (const socket of accepted) socket.destroy();
    silent.close();
  });
});

it("propagates the caller's trace to the server", async () => {
  exporter.reset();
  const client = bulletinsClient({ address: node.address, token: tokenForAddress(node.address) });
  await client.listBulletins({ filter: undefined, page: undefined, readerCreditCode: "" });
  client.close();
  const spans = exporter.getFinishedSpans();
  const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT && s.name.endsWith("/ListBulletins"))!;
  const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER && s.name.endsWith("/ListBulletins"))!;
  expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
  expect((serverSpan as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId).toBe(
    clientSpan.spanContext().spanId,
  );
});
