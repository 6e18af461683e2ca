/**
 * JSON schemas of the Strimzi `kafka.strimzi.io/v1` fields that k8s/ uses (Strimzi 1.0.x), with
 * the types they guarantee. Hand-written from the Strimzi v1 CRDs and the v1 examples: each
 * object closes its properties (`additionalProperties: false`), so a misspelt or v1beta2-only
 * field (`connectCluster`, `clusters`, `spec.kafka.replicas`, ...) fails instead of being ignored
 * by the operator. Using a new field means adding it here, checked against the CRD.
 */
import Ajv, { type ValidateFunction } from "ajv";

export const STRIMZI_API_VERSION = "kafka.strimzi.io/v1";

const dnsName = { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", maxLength: 253 };
const stringMap = { type: "object", additionalProperties: { type: "string" } };
const scalarMap = { type: "object", additionalProperties: { type: ["string", "number", "boolean"] } };
const quantity = { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$" };
const resources = {
  type: "object",
  additionalProperties: false,
  properties: {
    requests: { type: "object", additionalProperties: false, properties: { cpu: quantity, memory: quantity } },
    limits: { type: "object", additionalProperties: false, properties: { cpu: quantity, memory: quantity } },
  },
};
const bootstrapServers = { type: "string", pattern: "^[a-z0-9.-]+:[0-9]+(,[a-z0-9.-]+:[0-9]+)*$" };
const alias = { type: "string", pattern: "^[a-zA-Z0-9._-]{1,100}$" };
const topicName = { type: "string", pattern: "^[a-zA-Z0-9._-]{1,249}$" };

function resource(kind: string, spec: object, metadataRequired: string[] = ["name"], labels: object = stringMap) {
  return {
    type: "object",
    additionalProperties: false,
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
      apiVersion: { const: STRIMZI_API_VERSION },
      kind: { const: kind },
      metadata: {
        type: "object",
        additionalProperties: false,
        required: metadataRequired,
        properties: { name: dnsName, namespace: dnsName, labels, annotations: stringMap },
      },
      spec,
    },
  };
}

const kafkaSchema = resource("Kafka", {
  type: "object",
  additionalProperties: false,
  required: ["kafka"],
  properties: {
    kafka: {
      type: "object",
      additionalProperties: false,
      required: ["listeners"],
      properties: {
        version: { type: "string", pattern: "^[0-9]+\\.[0-9]+\\.[0-9]+$" },
        metadataVersion: { type: "string", pattern: "^[0-9]+\\.[0-9]+-IV[0-9]+$" },
        listeners: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["name", "port", "type", "tls"],
            properties: {
              // Strimzi: lower-case alphanumerics, at most 11; ports 9090 and 9091 are its own.
              name: { type: "string", pattern: "^[a-z0-9]{1,11}$" },
              port: { type: "integer", minimum: 9092, maximum: 65535 },
              type: { enum: ["internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"] },
              tls: { type: "boolean" },
            },
          },
        },
        config: scalarMap,
      },
    },
  },
});

const kafkaNodePoolSchema = resource(
  "KafkaNodePool",
  {
    type: "object",
    additionalProperties: false,
    required: ["replicas", "roles", "storage"],
    properties: {
      replicas: { type: "integer", minimum: 0 },
      roles: { type: "array", minItems: 1, uniqueItems: true, items: { enum: ["controller", "broker"] } },
      storage: {
        type: "object",
        additionalProperties: false,
        required: ["type"],
        properties: {
          type: { enum: ["ephemeral", "persistent-claim", "jbod"] },
          volumes: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["id", "type"],
              properties: {
                id: { type: "integer", minimum: 0 },
                type: { enum: ["ephemeral", "persistent-claim"] },
                size: quantity,
                class: { type: "string" },
                deleteClaim: { type: "boolean" },
                kraftMetadata: { enum: ["shared"] },
              },
            },
          },
        },
      },
      resources,
    },
  },
  ["name", "labels"],
  // A node pool belongs to the Kafka named by this label.
  { ...stringMap, properties: { "strimzi.io/cluster": dnsName }, required: ["strimzi.io/cluster"] },
);

const connector = {
  type: "object",
  additionalProperties: false,
  properties: { tasksMax: { type: "integer", minimum: 1 }, config: scalarMap, state: { enum: ["running", "paused", "stopped"] } },
};

const kafkaMirrorMaker2Schema = resource("KafkaMirrorMaker2", {
  type: "object",
  additionalProperties: false,
  // v1: replicas, target and mirrors are required; clusters/connectCluster are gone.
  required: ["replicas", "target", "mirrors"],
  properties: {
    version: { type: "string", pattern: "^[0-9]+\\.[0-9]+\\.[0-9]+$" },
    replicas: { type: "integer", minimum: 0 },
    target: {
      type: "object",
      additionalProperties: false,
      required: ["alias", "bootstrapServers", "groupId", "configStorageTopic", "offsetStorageTopic", "statusStorageTopic"],
      properties: {
        alias,
        bootstrapServers,
        groupId: { type: "string", minLength: 1 },
        configStorageTopic: topicName,
        offsetStorageTopic: topicName,
        statusStorageTopic: topicName,
        config: scalarMap,
      },
    },
    mirrors: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["source", "topicsPattern", "sourceConnector"],
        properties: {
          source: {
            type: "object",
            additionalProperties: false,
            required: ["alias", "bootstrapServers"],
            properties: { alias, bootstrapServers, config: scalarMap },
          },
          topicsPattern: { type: "string", minLength: 1 },
          topicsExcludePattern: { type: "string" },
          groupsPattern: { type: "string" },
          sourceConnector: connector,
          checkpointConnector: connector,
        },
      },
    },
    resources,
  },
});

type Scalar = string | number | boolean;
interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}
interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KafkaListener {
  name: string;
  port: number;
  type: string;
  tls: boolean;
}
export interface Kafka {
  apiVersion: string;
  kind: "Kafka";
  metadata: Metadata;
  spec: { kafka: { version?: string; metadataVersion?: string; listeners: KafkaListener[]; config?: Record<string, Scalar> } };
}
export interface KafkaNodePool {
  apiVersion: string;
  kind: "KafkaNodePool";
  metadata: Metadata & { labels: Record<string, string> };
  spec: {
    replicas: number;
    roles: ("controller" | "broker")[];
    storage: { type: string; volumes?: { id: number; type: string; size?: string; kraftMetadata?: string }[] };
    resources?: Resources;
  };
}
export interface MirrorConnector {
  tasksMax?: number;
  config?: Record<string, Scalar>;
}
export interface KafkaMirrorMaker2 {
  apiVersion: string;
  kind: "KafkaMirrorMaker2";
  metadata: Metadata;
  spec: {
    version?: string;
    replicas: number;
    target: {
      alias: string;
      bootstrapServers: string;
      groupId: string;
      configStorageTopic: string;
      offsetStorageTopic: string;
      statusStorageTopic: string;
      config?: Record<string, Scalar>;
    };
    mirrors: {
      source: { alias: string; bootstrapServers: string };
      topicsPattern: string;
      topicsExcludePattern?: string;
      sourceConnector?: MirrorConnector;
      checkpointConnector?: MirrorConnector;
    }[];
    resources?: Resources;
  };
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

/** Validators by `apiVersion/kind`. */
export const STRIMZI_VALIDATORS: ReadonlyMap<string, ValidateFunction> = new Map([
  [`${STRIMZI_API_VERSION}/Kafka`, ajv.compile(kafkaSchema)],
  [`${STRIMZI_API_VERSION}/KafkaNodePool`, ajv.compile(kafkaNodePoolSchema)],
  [`${STRIMZI_API_VERSION}/KafkaMirrorMaker2`, ajv.compile(kafkaMirrorMaker2Schema)],
]);
