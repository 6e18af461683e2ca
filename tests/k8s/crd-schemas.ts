/**
 * JSON schemas of the other custom resources k8s/ uses, for the fields it uses: the Prometheus
 * Operator's PrometheusRule (monitoring.coreos.com/v1) and Flux's Kustomization
 * (kustomize.toolkit.fluxcd.io/v1). Closed like the Strimzi ones (./strimzi-schemas): a misspelt
 * field fails here instead of being dropped by the API server or ignored by the controller.
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

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

/** Validators by `apiVersion/kind`. */
export const CRD_VALIDATORS: ReadonlyMap<string, ValidateFunction> = new Map([
  ["monitoring.coreos.com/v1/PrometheusRule", ajv.compile(prometheusRuleSchema)],
  ["kustomize.toolkit.fluxcd.io/v1/Kustomization", ajv.compile(fluxKustomizationSchema)],
]);

export interface PrometheusRule {
  apiVersion: string;
  kind: "PrometheusRule";
  metadata: { name: string; namespace?: string };
  spec: { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: Record<string, string> }[] }[] };
}
