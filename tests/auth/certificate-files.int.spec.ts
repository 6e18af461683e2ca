/**
 * TLS files watched for renewal (@jinlian/certificates), with certificates of the development CA
 * written to disk: a renewal rewrites the key and the certificate one after the other, and a read
 * between the two writes must never hand grpc-js a pair that refuses every handshake.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { experimental } from "@grpc/grpc-js";
import { describeCertificate, identityProblem, rootsProblem, watchCertificateFiles } from "@jinlian/certificates";
import { loadNodeConfig, loadServerTls } from "@jinlian/node";

const DEV_CA = path.join(__dirname, "..", "..", "scripts", "lib", "dev-ca.sh");
const REFRESH_MS = 50;
// Several reads of the files: long enough for a refused read to have been handed on, were it.
const SEVERAL_READS_MS = REFRESH_MS * 8;

const ca = mkdtempSync(path.join(tmpdir(), "jinlian-certificates-"));
const served = mkdtempSync(path.join(tmpdir(), "jinlian-certificates-served-"));
const from = (name: string) => path.join(ca, name);
const to = (name: string) => path.join(served, name);
const pem = (name: string) => readFileSync(from(name));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Writes a file whole, as the kubelet swaps a Secret's files in: a read sees the old file or the
 * new one, never part of it, so what a test reads is what it wrote (the renewal's two files
 * still land one after the other).
 */
function place(file: string, content: Buffer | string): void {
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

beforeAll(() => {
  execFileSync("bash", [DEV_CA, ca, "first", "second"], { stdio: "pipe" });
  writeFileSync(from("chain.pem"), Buffer.concat([pem("first.pem"), pem("ca.pem")]));
});
afterAll(() => {
  rmSync(ca, { recursive: true, force: true });
  rmSync(served, { recursive: true, force: true });
});

describe("a certificate and its key", () => {
  it("serve together only when the certificate is the key's", () => {
    expect(identityProblem(pem("first.pem"), pem("first-key.pem"))).toBeUndefined();
    expect(identityProblem(pem("chain.pem"), pem("first-key.pem"))).toBeUndefined();
    expect(identityProblem(pem("first.pem"), pem("second-key.pem"))).toMatch(/not the private key's/);
  });

  it("are refused when either is cut short or empty", () => {
    const cert = pem("first.pem");
    expect(identityProblem(cert.subarray(0, cert.length / 2), pem("first-key.pem"))).toMatch(/ends inside a certificate/);
    expect(identityProblem(Buffer.alloc(0), pem("first-key.pem"))).toMatch(/holds no PEM certificate/);
    expect(identityProblem(pem("chain.pem").subarray(0, cert.length + 100), pem("first-key.pem"))).toMatch(/ends inside/);
    expect(identityProblem(cert, Buffer.alloc(0))).toMatch(/private key does not parse/);
  });

  it("root certificates must parse, every one of them", () => {
    expect(rootsProblem(pem("ca.pem"))).toBeUndefined();
    expect(rootsProblem(pem("chain.pem"))).toBeUndefined();
    expect(rootsProblem(Buffer.from("not a certificate"))).toMatch(/holds no PEM certificate/);
  });
});

describe("a node's TLS configuration", () => {
  const BASE = { JINLIAN_JURISDICTION: "120101", DATABASE_URL: "postgres://u@h/db", KAFKA_BROKERS: "k:9093" };
  const tls = (cert: string, key: string, ca = "ca.pem") =>
    loadServerTls(
      loadNodeConfig({ ...BASE, GRPC_TLS_CERT_FILE: from(cert), GRPC_TLS_KEY_FILE: from(key), GRPC_TLS_CLIENT_CA_FILE: from(ca) }),
    );

  it("is read with its files named for watching", () => {
    expect(tls("chain.pem", "first-key.pem")?.files).toMatchObject({ certChain: from("chain.pem"), privateKey: from("first-key.pem") });
  });

  it("is refused at start when the key is not the certificate's, or the client CA does not parse", () => {
    expect(() => tls("first.pem", "second-key.pem")).toThrow(
      /GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE: the certificate is not the private key's/,
    );
    expect(() => tls("first.pem", "first-key.pem", "first-key.pem")).toThrow(
      /GRPC_TLS_CLIENT_CA_FILE: the root certificate file holds no PEM certificate/,
    );
  });
});

/** What a provider hands its listener, and what it reports. */
function watch(files: { certChain?: string; privateKey?: string; rootCerts?: string }) {
  const identities: (experimental.IdentityCertificateUpdate | null)[] = [];
  const roots: (experimental.CaCertificateUpdate | null)[] = [];
  const refused: string[] = [];
  const renewed: string[] = [];
  const provider = watchCertificateFiles({
    ...files,
    refreshMs: REFRESH_MS,
    onRefused: (p) => refused.push(p),
    onRenewed: (w) => renewed.push(w),
  });
  const onIdentity = (u: experimental.IdentityCertificateUpdate | null) => identities.push(u);
  const onRoots = (u: experimental.CaCertificateUpdate | null) => roots.push(u);
  if (files.certChain) provider.addIdentityCertificateListener(onIdentity);
  if (files.rootCerts) provider.addCaCertificateListener(onRoots);
  const stop = () => {
    provider.removeIdentityCertificateListener(onIdentity);
    provider.removeCaCertificateListener(onRoots);
  };
  return { provider, identities, roots, refused, renewed, stop };
}

async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const serialOf = (u: experimental.IdentityCertificateUpdate | null | undefined) =>
  u ? describeCertificate(u.certificate)?.serialNumber : undefined;

describe("watched files", () => {
  it("keep the previous pair while a renewal has written the new key but not yet its certificate", async () => {
    place(to("node.pem"), pem("first.pem"));
    place(to("node-key.pem"), pem("first-key.pem"));
    const w = watch({ certChain: to("node.pem"), privateKey: to("node-key.pem") });
    try {
      await until("the first pair", () => w.identities.length === 1);
      const first = serialOf(w.identities[0]);
      expect(first).toBe(describeCertificate(pem("first.pem"))!.serialNumber);

      // The key first, as openssl and cert-manager's writes land; reads in between find a mismatch.
      place(to("node-key.pem"), pem("second-key.pem"));
      await until("the mismatch reported", () => w.refused.length > 0);
      await sleep(SEVERAL_READS_MS);
      expect(w.identities).toHaveLength(1);
      expect(w.refused).toEqual([expect.stringMatching(/node\.pem with .*node-key\.pem: the certificate is not the private key's/)]);

      place(to("node.pem"), pem("second.pem"));
      await until("the renewed pair", () => w.identities.length === 2);
      const second = describeCertificate(pem("second.pem"))!.serialNumber;
      expect(serialOf(w.identities[1])).toBe(second);
      expect(w.renewed).toEqual([expect.stringContaining(`serial ${second}`)]);

      // Unchanged files are read again and again, and handed on once.
      await sleep(SEVERAL_READS_MS);
      expect(w.identities).toHaveLength(2);

      // Files gone for a moment (a Secret's mount swapped) leave the last pair in place too.
      rmSync(to("node-key.pem"));
      await until("the missing key reported", () => w.refused.length === 2);
      expect(w.refused[1]).toMatch(/cannot read/);
      await sleep(SEVERAL_READS_MS);
      expect(w.identities).toHaveLength(2);

      // A listener added later gets the pair in use at once.
      const late: (experimental.IdentityCertificateUpdate | null)[] = [];
      const onLate = (u: experimental.IdentityCertificateUpdate | null) => late.push(u);
      w.provider.addIdentityCertificateListener(onLate);
      await until("the late listener's pair", () => late.length === 1);
      expect(serialOf(late[0])).toBe(second);
      w.provider.removeIdentityCertificateListener(onLate);
    } finally {
      w.stop();
    }
  });

  it("hand on no pair until one can serve, then that one", async () => {
    place(to("start.pem"), pem("first.pem"));
    place(to("start-key.pem"), pem("second-key.pem"));
    const w = watch({ certChain: to("start.pem"), privateKey: to("start-key.pem") });
    try {
      await until("the first read", () => w.identities.length === 1);
      expect(w.identities[0]).toBeNull();
      await sleep(SEVERAL_READS_MS);
      expect(w.identities).toEqual([null]);
      expect(w.refused).toHaveLength(1);
      place(to("start-key.pem"), pem("first-key.pem"));
      await until("a pair", () => w.identities.length === 2);
      expect(serialOf(w.identities[1])).toBe(describeCertificate(pem("first.pem"))!.serialNumber);
      expect(w.renewed).toEqual([]);
    } finally {
      w.stop();
    }
  });

  it("keep the previous root certificates while the bundle is rewritten", async () => {
    place(to("roots.pem"), pem("ca.pem"));
    const w = watch({ rootCerts: to("roots.pem") });
    try {
      await until("the roots", () => w.roots.length === 1);
      expect(w.roots[0]!.caCertificate.equals(pem("ca.pem"))).toBe(true);
      const bundle = Buffer.concat([pem("ca.pem"), pem("first.pem")]);
      place(to("roots.pem"), bundle.subarray(0, pem("ca.pem").length + 40));
      await until("the cut bundle reported", () => w.refused.length === 1);
      expect(w.refused[0]).toMatch(/roots\.pem: the root certificate file ends inside a certificate/);
      await sleep(SEVERAL_READS_MS);
      expect(w.roots).toHaveLength(1);
      place(to("roots.pem"), bundle);
      await until("the new bundle", () => w.roots.length === 2);
      expect(w.roots[1]!.caCertificate.equals(bundle)).toBe(true);
    } finally {
      w.stop();
    }
  });
});
