import { experimental } from "@grpc/grpc-js";
import { describeCertificate, identityProblem, rootsProblem } from "./pem";

type CertificateProvider = experimental.CertificateProvider;
type IdentityUpdate = experimental.IdentityCertificateUpdate;
type CaUpdate = experimental.CaCertificateUpdate;

/** PEM files to watch: a certificate chain with its key, root certificates, or both. */
export interface CertificateFiles {
  certChain?: string;
  privateKey?: string;
  rootCerts?: string;
  /** How often the files are read again. */
  refreshMs: number;
  /** Files read but refused (the previous material stays in use); told once per distinct problem. */
  onRefused?: (problem: string) => void;
  /** New material handed on after a renewal (not at the first read). */
  onRenewed?: (what: string) => void;
}

/**
 * One kind of material (identity or roots) as the listeners see it: an update is handed on only
 * when it passes `problemOf` and differs from the last one handed on. A refused or unreadable
 * read keeps the last good material; before any, the listeners are told there is none (null),
 * as grpc-js's own watcher would.
 */
class Checked<T extends IdentityUpdate | CaUpdate> {
  private readonly listeners = new Set<(update: T | null) => void>();
  private current: T | null | undefined;
  private refused: string | undefined;
  private readonly fromFiles = (update: T | null) => this.received(update);

  constructor(
    private readonly subscribe: (listener: (update: T | null) => void) => void,
    private readonly unsubscribe: (listener: (update: T | null) => void) => void,
    private readonly problemOf: (update: T | null) => string | undefined,
    private readonly same: (a: T, b: T) => boolean,
    private readonly describe: (update: T) => string,
    private readonly files: CertificateFiles,
  ) {}

  add(listener: (update: T | null) => void): void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.subscribe(this.fromFiles);
    const current = this.current;
    if (current !== undefined) process.nextTick(listener, current);
  }

  remove(listener: (update: T | null) => void): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.unsubscribe(this.fromFiles);
  }

  private received(update: T | null): void {
    const problem = this.problemOf(update);
    if (problem !== undefined) {
      if (problem !== this.refused) this.files.onRefused?.(problem);
      this.refused = problem;
      if (this.current === undefined) this.handOn(null);
      return;
    }
    this.refused = undefined;
    const previous = this.current;
    if (previous && this.same(previous, update!)) return;
    this.handOn(update!);
    if (previous) this.files.onRenewed?.(this.describe(update!));
  }

  private handOn(update: T | null): void {
    this.current = update;
    for (const listener of this.listeners) listener(update);
  }
}

/**
 * A certificate provider for grpc-js credentials that reads the files every `refreshMs`, as
 * grpc-js's FileWatcherCertificateProvider does (it does the reading), and hands on only
 * material that can serve: a key that is its certificate's, bundles that parse. cert-manager and
 * the kubelet rewrite a Secret's files in turn; grpc-js alone would hand on the new key with the
 * old certificate and refuse every handshake until its next read, a minute by default.
 */
export function watchCertificateFiles(files: CertificateFiles): CertificateProvider {
  const inner = new experimental.FileWatcherCertificateProvider({
    certificateFile: files.certChain,
    privateKeyFile: files.privateKey,
    caCertificateFile: files.rootCerts,
    refreshIntervalMs: files.refreshMs,
  });
  const identity = new Checked<IdentityUpdate>(
    (l) => inner.addIdentityCertificateListener(l),
    (l) => inner.removeIdentityCertificateListener(l),
    (u) =>
      u === null
        ? `cannot read ${files.certChain} or ${files.privateKey}`
        : withFiles(identityProblem(u.certificate, u.privateKey), `${files.certChain} with ${files.privateKey}`),
    (a, b) => a.certificate.equals(b.certificate) && a.privateKey.equals(b.privateKey),
    (u) => {
      const d = describeCertificate(u.certificate);
      return `certificate ${files.certChain}${d ? ` (serial ${d.serialNumber}, valid to ${d.validTo})` : ""}`;
    },
    files,
  );
  const roots = new Checked<CaUpdate>(
    (l) => inner.addCaCertificateListener(l),
    (l) => inner.removeCaCertificateListener(l),
    (u) => (u === null ? `cannot read ${files.rootCerts}` : withFiles(rootsProblem(u.caCertificate), `${files.rootCerts}`)),
    (a, b) => a.caCertificate.equals(b.caCertificate),
    () => `root certificates ${files.rootCerts}`,
    files,
  );
  return {
    addIdentityCertificateListener: (l) => identity.add(l),
    removeIdentityCertificateListener: (l) => identity.remove(l),
    addCaCertificateListener: (l) => roots.add(l),
    removeCaCertificateListener: (l) => roots.remove(l),
  };
}

const withFiles = (problem: string | undefined, files: string) => (problem === undefined ? undefined : `${files}: ${problem}`);
