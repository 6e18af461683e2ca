import { createPrivateKey, X509Certificate } from "node:crypto";

const BEGIN = "-----BEGIN CERTIFICATE-----";
const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle, or why it is not one. Every block must parse: a file caught
 * half-written ends in a block without its end line, and that is what this catches.
 */
export function parseCertificates(pem: Buffer): X509Certificate[] | string {
  const text = pem.toString("utf8");
  const blocks = text.match(BLOCK) ?? [];
  const begun = text.split(BEGIN).length - 1;
  if (blocks.length !== begun) return "ends inside a certificate";
  if (blocks.length === 0) return "holds no PEM certificate";
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (err) {
    return `holds a certificate that does not parse (${(err as Error).message})`;
  }
}

/**
 * Why a certificate chain and a private key cannot serve together, or undefined when they can:
 * the chain parses and its first certificate is the key's. A renewal rewrites the two files one
 * after the other, so a reader between the writes sees a new key with the old certificate.
 */
export function identityProblem(certChain: Buffer, privateKey: Buffer): string | undefined {
  const chain = parseCertificates(certChain);
  if (typeof chain === "string") return `the certificate file ${chain}`;
  let key;
  try {
    key = createPrivateKey(privateKey);
  } catch (err) {
    return `the private key does not parse (${(err as Error).message})`;
  }
  if (!chain[0]!.checkPrivateKey(key)) return "the certificate is not the private key's";
  return undefined;
}

/** Why a bundle of root certificates cannot be trusted as one, or undefined when it can. */
export function rootsProblem(rootCerts: Buffer): string | undefined {
  const roots = parseCertificates(rootCerts);
  return typeof roots === "string" ? `the root certificate file ${roots}` : undefined;
}

/** Serial number and expiry of a chain's first certificate, for logs. */
export function describeCertificate(certChain: Buffer): { serialNumber: string; validTo: string } | undefined {
  const chain = parseCertificates(certChain);
  if (typeof chain === "string") return undefined;
  return { serialNumber: chain[0]!.serialNumber, validTo: chain[0]!.validTo };
}
