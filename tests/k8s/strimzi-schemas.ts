/**
 * JSON schemas of the Strimzi `kafka.strimzi.io/v1` fields that k8s/ uses (Strimzi 1.2.x), with
 * the types they guarantee. Hand-written from the Strimzi v1 CRDs and API classes (KafkaUser's v1
 * CRD; GenericKafkaListener, KafkaAuthorizationSimple, EntityOperatorSpec; the v1 layout of
 * KafkaMirrorMaker2 with `target` and `mirrors[].source`, ClientTls, KafkaClientAuthenticationTls
 * and ScramSha512, AutoRestart, JmxPrometheusExporterMetrics): each object closes its properties
 * (`additionalProperties: false`), so a misspelt or v1beta2-only field (`connectCluster`,
 * `clusters`, `spec.kafka.replicas`, an ACL's singular `operation`, ...) fails instead of being
 * ignored by the operator. Using a new field means adding it here, checked against the CRD.
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
const secretName = dnsName;

/** Kubernetes LabelSelector, as networkPolicyPeers use it. */
const labelSelector = {
  type: "object",
  additionalProperties: false,
  properties: {
    matchLabels: stringMap,
    matchExpressions: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["key", "operator"],
        properties: {
          key: { type: "string" },
          operator: { enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
          values: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
};
const networkPolicyPeer = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  properties: {
    podSelector: labelSelector,
    namespaceSelector: labelSelector,
    ipBlock: {
      type: "object",
      additionalProperties: false,
      required: ["cidr"],
      properties: { cidr: { type: "string" }, except: { type: "array", items: { type: "string" } } },
    },
  },
};

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

/** A resource that belongs to the Kafka cluster named by this label (node pools, users). */
const clusterLabels = { ...stringMap, properties: { "strimzi.io/cluster": dnsName }, required: ["strimzi.io/cluster"] };

const listener = {
  type: "object",
  additionalProperties: false,
  required: ["name", "port", "type", "tls"],
  properties: {
    // Strimzi: lower-case alphanumerics, at most 11; ports 9090 and 9091 are its own.
    name: { type: "string", pattern: "^[a-z0-9]{1,11}$" },
    port: { type: "integer", minimum: 9092, maximum: 65535, not: { enum: [9404, 9999] } },
    type: { enum: ["internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"] },
    tls: { type: "boolean" },
    // v1 keeps tls, scram-sha-512 and custom (oauth went into custom).
    authentication: {
      type: "object",
      additionalProperties: false,
      required: ["type"],
      properties: { type: { enum: ["tls", "scram-sha-512", "custom"] } },
    },
    networkPolicyPeers: { type: "array", items: networkPolicyPeer },
    configuration: {
      type: "object",
      additionalProperties: false,
      properties: {
        bootstrap: {
          type: "object",
          additionalProperties: false,
          properties: {
            alternativeNames: { type: "array", minItems: 1, items: dnsName },
            host: dnsName,
            annotations: stringMap,
            labels: stringMap,
          },
        },
        loadBalancerSourceRanges: { type: "array", items: { type: "string" } },
      },
    },
  },
  // Strimzi: TLS client authentication needs a TLS listener.
  if: {
    type: "object",
    properties: { authentication: { type: "object", properties: { type: { const: "tls" } } } },
    required: ["authentication"],
  },
  then: { type: "object", properties: { tls: { const: true } } },
};

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
        listeners: { type: "array", minItems: 1, items: listener },
        authorization: {
          type: "object",
          additionalProperties: false,
          required: ["type"],
          properties: { type: { enum: ["simple", "custom"] }, superUsers: { type: "array", items: { type: "string" } } },
        },
        config: scalarMap,
      },
    },
    entityOperator: {
      type: "object",
      additionalProperties: false,
      properties: {
        userOperator: { type: "object", additionalProperties: false, properties: { resources } },
        topicOperator: { type: "object", additionalProperties: false, properties: { resources } },
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
  clusterLabels,
);

/** The v1 KafkaUser CRD: `operations` (the singular `operation` is gone), `acls` required. */
const aclOperation = {
  enum: [
    "Read",
    "Write",
    "Create",
    "Delete",
    "Alter",
    "Describe",
    "ClusterAction",
    "AlterConfigs",
    "DescribeConfigs",
    "IdempotentWrite",
    "All",
  ],
};
const kafkaUserSchema = resource(
  "KafkaUser",
  {
    type: "object",
    additionalProperties: false,
    properties: {
      authentication: {
        type: "object",
        additionalProperties: false,
        required: ["type"],
        properties: { type: { enum: ["tls", "tls-external", "scram-sha-512"] } },
      },
      authorization: {
        type: "object",
        additionalProperties: false,
        required: ["type", "acls"],
        properties: {
          type: { const: "simple" },
          acls: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["resource", "operations"],
              properties: {
                type: { enum: ["allow", "deny"] },
                resource: {
                  type: "object",
                  additionalProperties: false,
                  required: ["type"],
                  properties: {
                    type: { enum: ["topic", "group", "cluster", "transactionalId"] },
                    name: { type: "string", minLength: 1 },
                    patternType: { enum: ["literal", "prefix"] },
                  },
                  // Every resource but the cluster is named.
                  if: { type: "object", properties: { type: { not: { const: "cluster" } } } },
                  then: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
                },
                operations: { type: "array", minItems: 1, uniqueItems: true, items: aclOperation },
                host: { type: "string" },
              },
            },
          },
        },
      },
    },
  },
  ["name", "labels"],
  clusterLabels,
);

const autoRestart = {
  type: "object",
  additionalProperties: false,
  properties: {
    enabled: { type: "boolean" },
    maxRestarts: { type: "integer", minimum: 0 },
    maxBackoffMinutes: { type: "integer", minimum: 1 },
  },
};

const connector = {
  type: "object",
  additionalProperties: false,
  properties: {
    tasksMax: { type: "integer", minimum: 1 },
    config: scalarMap,
    state: { enum: ["running", "paused", "stopped"] },
    autoRestart,
  },
};

/** ClientTls: each trusted certificate by file name or by glob pattern. */
const clientTls = {
  type: "object",
  additionalProperties: false,
  required: ["trustedCertificates"],
  properties: {
    trustedCertificates: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["secretName"],
        properties: { secretName, certificate: { type: "string" }, pattern: { type: "string" } },
        oneOf: [
          { type: "object", properties: { certificate: { type: "string" } }, required: ["certificate"] },
          { type: "object", properties: { pattern: { type: "string" } }, required: ["pattern"] },
        ],
      },
    },
  },
};

const clientAuthentication = {
  oneOf: [
    {
      type: "object",
      additionalProperties: false,
      required: ["type", "certificateAndKey"],
      properties: {
        type: { const: "tls" },
        certificateAndKey: {
          type: "object",
          additionalProperties: false,
          required: ["secretName", "certificate", "key"],
          properties: { secretName, certificate: { type: "string" }, key: { type: "string" } },
        },
      },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["type", "username", "passwordSecret"],
      properties: {
        type: { const: "scram-sha-512" },
        username: { type: "string" },
        passwordSecret: {
          type: "object",
          additionalProperties: false,
          required: ["secretName", "password"],
          properties: { secretName, password: { type: "string" } },
        },
      },
    },
  ],
};

const clusterConnection = {
  alias,
  bootstrapServers,
  tls: clientTls,
  authentication: clientAuthentication,
  config: scalarMap,
};

const metricsConfig = {
  type: "object",
  additionalProperties: false,
  required: ["type", "valueFrom"],
  properties: {
    type: { const: "jmxPrometheusExporter" },
    valueFrom: {
      type: "object",
      additionalProperties: false,
      required: ["configMapKeyRef"],
      properties: {
        configMapKeyRef: {
          type: "object",
          additionalProperties: false,
          required: ["name", "key"],
          properties: { name: dnsName, key: { type: "string" }, optional: { type: "boolean" } },
        },
      },
    },
  },
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
        ...clusterConnection,
        groupId: { type: "string", minLength: 1 },
        configStorageTopic: topicName,
        offsetStorageTopic: topicName,
        statusStorageTopic: topicName,
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
            properties: clusterConnection,
          },
          topicsPattern: { type: "string", minLength: 1 },
          topicsExcludePattern: { type: "string" },
          groupsPattern: { type: "string" },
          groupsExcludePattern: { type: "string" },
          sourceConnector: connector,
          checkpointConnector: connector,
        },
      },
    },
    metricsConfig,
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
export interface LabelSelector {
  matchLabels?: Record<string, string>;
}
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

export interface KafkaListener {
  name: string;
  port: number;
  type: string;
  tls: boolean;
  authentication?: { type: string };
  networkPolicyPeers?: NetworkPolicyPeer[];
  configuration?: { bootstrap?: { alternativeNames?: string[]; annotations?: Record<string, string> } };
}
export interface Kafka {
  apiVersion: string;
  kind: "Kafka";
  metadata: Metadata;
  spec: {
    kafka: {
      version?: string;
      metadataVersion?: string;
      listeners: KafkaListener[];
      authorization?: { type: string; superUsers?: string[] };
      config?: Record<string, Scalar>;
    };
    entityOperator?: { userOperator?: { resources?: Resources }; topicOperator?: { resources?: Resources } };
  };
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
  autoRestart?: { enabled?: boolean; maxRestarts?: number };
}
export interface ClientTls {
  trustedCertificates: { secretName: string; certificate?: string; pattern?: string }[];
}
export type ClientAuthentication =
  | { type: "tls"; certificateAndKey: { secretName: string; certificate: string; key: string } }
  | { type: "scram-sha-512"; username: string; passwordSecret: { secretName: string; password: string } };
export interface ClusterConnection {
  alias: string;
  bootstrapServers: string;
  tls?: ClientTls;
  authentication?: ClientAuthentication;
  config?: Record<string, Scalar>;
}
export interface KafkaMirrorMaker2 {
  apiVersion: string;
  kind: "KafkaMirrorMaker2";
  metadata: Metadata;
  spec: {
    version?: string;
    replicas: number;
    target: ClusterConnection & {
      groupId: string;
      configStorageTopic: string;
      offsetStorageTopic: string;
      statusStorageTopic: string;
    };
    mirrors: {
      source: ClusterConnection;
      topicsPattern: string;
      topicsExcludePattern?: string;
      sourceConnector?: MirrorConnector;
      checkpointConnector?: MirrorConnector;
    }[];
    metricsConfig?: { type: string; valueFrom: { configMapKeyRef: { name: string; key: string } } };
    resources?: Resources;
  };
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

/** Validators by `apiVersion/kind`. */
export const STRIMZI_VALIDATORS: ReadonlyMap<string, ValidateFunction> = new Map([
  [`${STRIMZI_API_VERSION}/Kafka`, ajv.compile(kafkaSchema)],
  [`${STRIMZI_API_VERSION}/KafkaNodePool`, ajv.compile(kafkaNodePoolSchema)],
  [`${STRIMZI_API_VERSION}/KafkaUser`, ajv.compile(kafkaUserSchema)],
  [`${STRIMZI_API_VERSION}/KafkaMirrorMaker2`, ajv.compile(kafkaMirrorMaker2Schema)],
]);
