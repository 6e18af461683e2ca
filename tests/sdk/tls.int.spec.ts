/**
 * gRPC over TLS: a node serving a certificate, the SDK trusting it through its one options
 * object, and a plaintext client refused.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bulletinsClient, UnavailableError } from "@jinlian/client";
import { uniqueNamespace } from "../harness/kafka";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(60_000);
const dir = mkdtempSync(path.join(tmpdir(), "jinlian-tls-"));
let node: TestNode;

beforeAll(async () => {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      "key.pem",
      "-out",
      "cert.pem",
    ],
    { cwd: dir, stdio: "ignore" },
  );
  node = await startTestNode({
    jurisdictionCode: "120000",
    namespace: uniqueNamespace("tls"),
    tls: { certChain: readFileSync(path.join(dir, "cert.pem")), privateKey: readFileSync(path.join(dir, "key.pem")) },
  });
});

afterAll(async () => {
  await node?.stop();
  await node?.database.drop();
  rmSync(dir, { recursive: true, force: true });
});

it("serves over TLS to a client that trusts the certificate, and refuses plaintext", async () => {
  const page = await node.bulletins.listBulletins({ filter: undefined, page: undefined, readerCreditCode: "" });
  expect(page.page!.totalSize).toBe(0);
  const plaintext = bulletinsClient({ address: node.address, retry: { maxAttempts: 1 }, deadlineMs: 3_000 });
  await expect(plaintext.listBulletins({ filter: undefined, page: undefined, readerCreditCode: "" })).rejects.toBeInstanceOf(
    UnavailableError,
  );
  plaintext.close();
});
