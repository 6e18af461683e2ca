/**
 * Mutual TLS between callers and a node, as the production overlays run it (docs/security.md):
 * certificates of the development CA (scripts/lib/dev-ca.sh), a client without one or with one of
 * another CA refused, tokens bound to a certificate, the plaintext port for probes answering
 * health alone, and a renewed certificate served without a restart.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect } from "node:tls";
import { bulletinsClient, JinlianError, UnauthenticatedError, UnavailableError } from "@jinlian/client";
import { uniqueNamespace } from "../harness/kafka";
import { testBoundToken } from "../support/auth";
import { healthCheck, reflectedServices } from "../support/grpc-introspection";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(90_000);

const DEV_CA = path.join(__dirname, "..", "..", "scripts", "lib", "dev-ca.sh");
const dir = mkdtempSync(path.join(tmpdir(), "jinlian-mtls-"));
const rogue = mkdtempSync(path.join(tmpdir(), "jinlian-mtls-rogue-"));
const file = (name: string, d = dir) => path.join(d, name);
const pem = (name: string, d = dir) => readFileSync(file(name, d));
const devCa = (d: string, ...names: string[]) => execFileSync("bash", [DEV_CA, d, ...names], { stdio: "pipe" });
const LIST = { filter: undefined, page: undefined, readerCreditCode: "" };
let node: TestNode;

beforeAll(async () => {
  devCa(dir, "node-120000", "test-client", "other-client");
  devCa(rogue, "test-client");
  node = await startTestNode({
    jurisdictionCode: "120000",
    namespace: uniqueNamespace("mtls"),
    target: "bulletins",
    tls: {
      certChain: pem("node-120000.pem"),
      privateKey: pem("node-120000-key.pem"),
      clientRootCerts: pem("ca.pem"),
      files: {
        certChain: file("node-120000.pem"),
        privateKey: file("node-120000-key.pem"),
        clientRootCerts: file("ca.pem"),
        refreshMs: 1_000,
      },
    },
    clientCertificate: { certChain: pem("test-client.pem"), privateKey: pem("test-client-key.pem") },
    grpcHealthPort: 0,
  });
});

afterAll(async () => {
  await node?.stop();
  await node?.database.drop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(rogue, { recursive: true, force: true });
});

/** An SDK client over mutual TLS with the files of `cert` (none: no client certificate). */
function clientWith(cert: { dir: string; name: string } | undefined, token?: string) {
  return bulletinsClient({
    address: node.address,
    retry: { maxAttempts: 1 },
    deadlineMs: 5_000,
    token,
    tls: {
      files: {
        rootCerts: file("ca.pem"),
        ...(cert ? { certChain: file(`${cert.name}.pem`, cert.dir), privateKey: file(`${cert.name}-key.pem`, cert.dir) } : {}),
      },
    },
  });
}

it("serves a caller presenting a certificate of the node's CA, with its token", async () => {
  const page = await node.bulletins.listBulletins(LIST);
  expect(page.page!.totalSize).toBe(0);
});

it("refuses a caller without a certificate, one whose certificate another CA signed, and plaintext", async () => {
  for (const client of [
    clientWith(undefined),
    clientWith({ dir: rogue, name: "test-client" }),
    bulletinsClient({ address: node.address, retry: { maxAttempts: 1 }, deadlineMs: 5_000 }),
  ]) {
    await expect(client.listBulletins(LIST)).rejects.toBeInstanceOf(UnavailableError);
    client.close();
  }
});

it("takes a token bound to a certificate only over a connection presenting that certificate", async () => {
  const token = await testBoundToken("120000", "officer-bound", pem("test-client.pem"));
  const own = clientWith({ dir, name: "test-client" }, token);
  const other = clientWith({ dir, name: "other-client" }, token);
  try {
    expect((await own.listBulletins(LIST)).page!.totalSize).toBe(0);
    const refused = await other.listBulletins(LIST).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(UnauthenticatedError);
    expect((refused as JinlianError).message).toMatch(/bound to another certificate/);
  } finally {
    own.close();
    other.close();
  }
});

it("answers health in plaintext on the probe port, and nothing else there", async () => {
  const probe = `127.0.0.1:${node.node.grpcHealthPort}`;
  expect(node.node.grpcHealthPort).toBeGreaterThan(0);
  expect(await healthCheck(probe, "")).toBe("SERVING");
  expect(await healthCheck(probe, "jinlian.bulletins.v1.BulletinsService")).toBe("SERVING");
  await expect(reflectedServices(probe)).rejects.toThrow(/UNIMPLEMENTED|unimplemented/i);
  const plaintext = bulletinsClient({ address: probe, retry: { maxAttempts: 1 }, deadlineMs: 5_000 });
  await expect(plaintext.listBulletins(LIST)).rejects.toBeInstanceOf(JinlianError);
  plaintext.close();
});

/** The serial number of the certificate the node serves a new connection with. */
function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port: node.node.grpcPort,
      servername: "localhost",
      ca: pem("ca.pem"),
      cert: pem("test-client.pem"),
      key: pem("test-client-key.pem"),
      ALPNProtocols: ["h2"],
    });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.once("error", reject);
  });
}

it("serves a renewed certificate on new connections without a restart", async () => {
  const serialOf = (name: string) =>
    execFileSync("openssl", ["x509", "-in", file(name), "-noout", "-serial"], { encoding: "utf8" })
      .trim()
      .replace(/^serial=/, "");
  const before = serialOf("node-120000.pem");
  expect((await servedSerial()).toUpperCase()).toBe(before.toUpperCase());
  // Renewed elsewhere, then written over the served files one at a time, the key first: as the
  // files of a rewritten Secret land in turn. Reads between the two writes find a new key with
  // the old certificate; the node keeps serving the old pair, and every handshake succeeds.
  const renewal = mkdtempSync(path.join(tmpdir(), "jinlian-mtls-renewal-"));
  try {
    copyFileSync(file("ca.pem"), file("ca.pem", renewal));
    copyFileSync(file("ca-key.pem"), file("ca-key.pem", renewal));
    devCa(renewal, "node-120000");
    copyFileSync(file("node-120000-key.pem", renewal), file("node-120000-key.pem"));
    await new Promise((r) => setTimeout(r, 2_500)); // two reads of the files, at least
    expect((await servedSerial()).toUpperCase()).toBe(before.toUpperCase());
    copyFileSync(file("node-120000.pem", renewal), file("node-120000.pem"));
  } finally {
    rmSync(renewal, { recursive: true, force: true });
  }
  const after = serialOf("node-120000.pem");
  expect(after).not.toBe(before);
  const deadline = Date.now() + 15_000;
  let served = "";
  while (Date.now() < deadline && served.toUpperCase() !== after.toUpperCase()) {
    await new Promise((r) => setTimeout(r, 250));
    served = await servedSerial();
  }
  expect(served.toUpperCase()).toBe(after.toUpperCase());
  // Connections already open and new SDK calls keep working across the renewal.
  expect((await node.bulletins.listBulletins(LIST)).page!.totalSize).toBe(0);
});
