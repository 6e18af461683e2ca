/**
 * JSON schemas of the other custom resources k8s/ uses, for the fields it uses: the Prometheus
 * Operator's PrometheusRule (monitoring.coreos.com/v1), Flux's Kustomization
 * (kustomize.toolkit.fluxcd.io/v1) and cert-manager's Issuer and Certificate (cert-manager.io/v1;
 * no schema of them is available offline, so these are written from its API reference). Closed
 * like the Strimzi ones (./strimzi-schemas): a misspelt field fails here instead of being dropped
 * by the API server or ignored by the controller.
 */
import Ajv, { type ValidateFunction } from "ajv";

const dnsName = { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", maxLength: 253 };
const stringMap = { type: "object", additionalProperties: { type: "string" } };
/** Prometheus and Flux durations: 15m, 1h30m, 10s. */
const duration = { type: "string", pattern: "^([0-9]+(ms|s|m|h|d|w|y))+$" };
const metadata = (required: string[]) => ({
  type: "object",
  additionalProperties: false,
  required,
  properties: { name: dnsName, namespace: dnsName, labels: stringMap, annotations: stringMap },
});

const prometheusRuleSchema = {
  type: "object",
  additionalProperties: false,
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "monitoring.coreos.com/v1" },
    kind: { const: "PrometheusRule" },
    metadata: metadata(["name"]),
    spec: {
      type: "object",
      additionalProperties: false,
      required: ["groups"],
      properties: {
        groups: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["name", "rules"],
            properties: {
              name: { type: "string", minLength: 1 },
              interval: duration,
              rules: {
                type: "array",
                minItems: 1,
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["alert", "expr"],
                  properties: {
                    alert: { type: "string", pattern: "^[a-zA-Z_:][a-zA-Z0-9_:]*$" },
                    expr: { type: "string", minLength: 1 },
                    for: duration,
                    labels: stringMap,
                    annotations: stringMap,
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const fluxKustomizationSchema = {
  type: "object",
  additionalProperties: false,
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "kustomize.toolkit.fluxcd.io/v1" },
    kind: { const: "Kustomization" },
    metadata: metadata(["name", "namespace"]),
    spec: {
      type: "object",
      additionalProperties: false,
      required: ["interval", "prune", "sourceRef"],
      properties: {
        interval: duration,
        retryInterval: duration,
        timeout: duration,
        path: { type: "string", pattern: "^\\./" },
        prune: { type: "boolean" },
        wait: { type: "boolean" },
        targetNamespace: dnsName,
        sourceRef: {
          type: "object",
          additionalProperties: false,
          required: ["kind", "name"],
          properties: { kind: { enum: ["GitRepository", "OCIRepository", "Bucket"] }, name: dnsName, namespace: dnsName },
        },
        dependsOn: {
          type: "array",
          items: { type: "object", additionalProperties: false, required: ["name"], properties: { name: dnsName, namespace: dnsName } },
        },
        postBuild: {
          type: "object",
          additionalProperties: false,
          properties: {
            // Flux only accepts strings, and names matching its variable pattern.
            substitute: {
              type: "object",
              propertyNames: { pattern: "^[_a-zA-Z][_a-zA-Z0-9]*$" },
              additionalProperties: { type: "string" },
            },
          },
        },
      },
    },
  },
};

/** Go durations as cert-manager parses them: 2160h, 1h30m. */
const goDuration = { type: "string", pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$" };
/** cert-manager's KeyUsage values (key usages, then extended key usages). */
const KEY_USAGES = [
  "signing",
  "digital signature",
  "content commitment",
  "key encipherment",
  "key agreement",
  "data encipherment",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
  "any",
  "server auth",
  "client auth",
  "code signing",
  "email protection",
  "s/mime",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "timestamping",
  "ocsp signing",
  "microsoft sgc",
  "netscape sgc",
];

/** Only the CA issuer type: the one components/grpc-mtls uses. */
const certManagerIssuerSchema = {
  type: "object",
  additionalProperties: false,
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "cert-manager.io/v1" },
    kind: { const: "Issuer" },
    metadata: metadata(["name"]),
    spec: {
      type: "object",
      additionalProperties: false,
      required: ["ca"],
      properties: {
        ca: { type: "object", additionalProperties: false, required: ["secretName"], properties: { secretName: dnsName } },
      },
    },
  },
};

const certManagerCertificateSchema = {
  type: "object",
  additionalProperties: false,
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "cert-manager.io/v1" },
    kind: { const: "Certificate" },
    metadata: metadata(["name"]),
    spec: {
      type: "object",
      additionalProperties: false,
      required: ["secretName", "issuerRef"],
      properties: {
        secretName: dnsName,
        issuerRef: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: { name: dnsName, kind: { enum: ["Issuer", "ClusterIssuer"] }, group: { const: "cert-manager.io" } },
        },
        commonName: { type: "string", minLength: 1, maxLength: 64 },
        dnsNames: { type: "array", minItems: 1, uniqueItems: true, items: dnsName },
        uris: { type: "array", minItems: 1, uniqueItems: true, items: { type: "string", pattern: "^[a-z][a-z0-9+.-]*://" } },
        duration: goDuration,
        renewBefore: goDuration,
        privateKey: {
          type: "object",
          additionalProperties: false,
          properties: {
            algorithm: { enum: ["RSA", "ECDSA", "Ed25519"] },
            size: { type: "integer" },
            encoding: { enum: ["PKCS1", "PKCS8"] },
            rotationPolicy: { enum: ["Never", "Always"] },
          },
          // The sizes cert-manager accepts per algorithm.
          allOf: [
            {
              if: { type: "object", required: ["algorithm"], properties: { algorithm: { const: "ECDSA" } } },
              then: { type: "object", properties: { size: { enum: [256, 384, 521] } } },
            },
            {
              if: { type: "object", required: ["algorithm"], properties: { algorithm: { const: "RSA" } } },
              then: { type: "object", properties: { size: { type: "integer", minimum: 2048, maximum: 8192 } } },
            },
          ],
        },
        usages: { type: "array", minItems: 1, uniqueItems: true, items: { enum: KEY_USAGES } },
        revisionHistoryLimit: { type: "integer", minimum: 1 },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

/** Validators by `apiVersion/kind`. */
export const CRD_VALIDATORS: ReadonlyMap<string, ValidateFunction> = new Map([
  ["monitoring.coreos.com/v1/PrometheusRule", ajv.compile(prometheusRuleSchema)],
  ["kustomize.toolkit.fluxcd.io/v1/Kustomization", ajv.compile(fluxKustomizationSchema)],
  ["cert-manager.io/v1/Issuer", ajv.compile(certManagerIssuerSchema)],
  ["cert-manager.io/v1/Certificate", ajv.compile(certManagerCertificateSchema)],
]);

export interface PrometheusRule {
  apiVersion: string;
  kind: "PrometheusRule";
  metadata: { name: string; namespace?: string };
  spec: { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: Record<string, string> }[] }[] };
}

export interface CertManagerIssuer {
  apiVersion: "cert-manager.io/v1";
  kind: "Issuer";
  metadata: { name: string; namespace?: string };
  spec: { ca: { secretName: string } };
}

export interface CertManagerCertificate {
  apiVersion: "cert-manager.io/v1";
  kind: "Certificate";
  metadata: { name: string; namespace?: string };
  spec: {
    secretName: string;
    issuerRef: { name: string; kind?: "Issuer" | "ClusterIssuer"; group?: string };
    commonName?: string;
    dnsNames?: string[];
    uris?: string[];
    duration?: string;
    renewBefore?: string;
    privateKey?: { algorithm?: string; size?: number; encoding?: string; rotationPolicy?: string };
    usages?: string[];
    revisionHistoryLimit?: number;
  };
}
