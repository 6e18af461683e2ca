/**
 * AsyncAPI 3 documents of the event streams of each kind of node, generated from the stream
 * catalogue (the same definitions services create topics and emit events from), with payload
 * schemas derived from the protobuf descriptors (proto3 JSON mapping). `pnpm docs:asyncapi`
 * writes them into docs/asyncapi/; a test fails when the files and the code disagree.
 */
import { readFileSync } from "node:fs";
import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from "@grpc/proto-loader";
import { descriptorSetPath } from "@jinlian/proto";
import { stringify } from "yaml";
import { channelsOf, STREAMS, type Channel, type EventDescriptor } from "./catalogue";
import { CONTENT_TYPE_PROTOBUF, dataschemaFor } from "./cloudevents";
import { INBOUND_CHECKS } from "./inbound";
import { CITY_JURISDICTION, DISTRICT_CODES, jurisdictionName } from "@jinlian/kernel";

export type NodeKind = "municipal" | "district";
export const NODE_KINDS: readonly NodeKind[] = ["municipal", "district"];
const KAFKA_BINDING = "0.5.0";
const DISTRICT_PARAM = "{district}";

/** A channel of a node kind: a topic name with {district} where a district code varies. */
export interface ChannelTemplate {
  id: string;
  address: string;
  channel: Channel;
}

/** The nodes a kind stands for: the city, or every district. */
export function nodesOf(kind: NodeKind): readonly string[] {
  return kind === "municipal" ? [CITY_JURISDICTION] : DISTRICT_CODES;
}

function templated(topic: string): string {
  return topic
    .split(".")
    .map((part) => (DISTRICT_CODES.includes(part) ? DISTRICT_PARAM : part))
    .join(".");
}

/**
 * The channels of every service at a kind of node, grouped over districts. A local stream has
 * one template per role at the node (its service writes it, other services read it), sharing
 * one channel id.
 */
export function channelTemplates(kind: NodeKind, namespace = "jinlian"): ChannelTemplate[] {
  const byAddress = new Map<string, ChannelTemplate>();
  const services = [...new Set(STREAMS.map((s) => s.service))];
  for (const node of nodesOf(kind))
    for (const service of services)
      for (const channel of channelsOf(namespace, node, service)) {
        const address = templated(channel.topic);
        const local = channel.stream.kind === "local";
        // Another service reading a delivery stream where it arrives shares its channel, as local readers do.
        const shared = local || foreignReader(channel);
        const key = shared ? `${address} ${channel.role} ${templated(channel.consumerGroup ?? "")}` : address;
        if (byAddress.has(key)) continue;
        const id = local
          ? `${channel.stream.service}-${channel.stream.name}`
          : `${channel.stream.service}-${channel.stream.name}-${channel.role === "publish" ? "out" : "in"}`;
        byAddress.set(key, { id, address, channel });
      }
  // In catalogue order of the streams; a local stream's writer before its readers (stable sort).
  const rank = (t: ChannelTemplate) =>
    STREAMS.indexOf(t.channel.stream) * 2 +
    ((t.channel.stream.kind === "local" && t.channel.role === "subscribe") || foreignReader(t.channel) ? 1 : 0);
  return [...byAddress.values()].sort((a, b) => rank(a) - rank(b));
}

/** A service reading another service's delivery stream at the receiving node (its consumer group names it). */
function foreignReader(c: Channel): boolean {
  return (
    c.stream.kind === "delivery" &&
    c.role === "subscribe" &&
    c.consumerGroup !== undefined &&
    c.consumerGroup.split(".")[2] !== c.stream.service
  );
}

/** The payload fields used as the key, once each (a stream may carry several aggregates). */
function keysOf(c: Channel): string[] {
  return [...new Set(c.events.map((e) => e.key))];
}

function operationId(t: ChannelTemplate): string {
  const c = t.channel;
  if (c.role === "publish") return `${t.id}-send`;
  // Several services may read one local stream, or the deliveries arriving at a node.
  return c.stream.kind === "local" || foreignReader(c) ? `${t.id}-receive-${c.consumer!}` : `${t.id}-receive`;
}

/** Every concrete topic a document's channel stands for. */
export function expandAddress(address: string): string[] {
  return address.includes(DISTRICT_PARAM) ? DISTRICT_CODES.map((d) => address.replaceAll(DISTRICT_PARAM, d)) : [address];
}

function messageId(e: EventDescriptor): string {
  return e.type.replace(/^jinlian\./, "").replaceAll(".", "-");
}

// ---- protobuf descriptors -> JSON Schema (proto3 JSON mapping) ----

interface FieldProto {
  name: string;
  label: string;
  type: string;
  typeName: string;
  jsonName: string;
}

type JsonSchema = Record<string, unknown>;

class SchemaBuilder {
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly defs: PackageDefinition;

  constructor() {
    this.defs = loadFileDescriptorSetFromBuffer(readFileSync(descriptorSetPath()), {});
  }

  private resolve(typeName: string, scope: string): string {
    if (typeName.startsWith(".")) return typeName.slice(1);
    const parts = scope.split(".");
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), typeName].join(".");
      if (candidate in this.defs) return candidate;
    }
    throw new Error(`cannot resolve protobuf type ${typeName} from ${scope}`);
  }

  ref(fullName: string): JsonSchema {
    this.add(fullName);
    return { $ref: `#/components/schemas/${fullName}` };
  }

  private add(fullName: string): void {
    if (fullName in this.schemas) return;
    if (fullName === "google.protobuf.Timestamp") {
      this.schemas[fullName] = { type: "string", format: "date-time", description: "RFC 3339 time (google.protobuf.Timestamp)" };
      return;
    }
    if (fullName === "google.protobuf.Duration") {
      this.schemas[fullName] = {
        type: "string",
        pattern: "^-?[0-9]+(\\.[0-9]+)?s$",
        description: "Seconds with an s suffix (google.protobuf.Duration)",
      };
      return;
    }
    const def = this.defs[fullName] as {
      format: string;
      type: { field?: FieldProto[]; value?: { name: string }[]; oneofDecl?: { name: string }[] };
    };
    if (def.format.includes("EnumDescriptorProto")) {
      this.schemas[fullName] = { type: "string", enum: def.type.value!.map((v) => v.name), "x-protobuf-enum": fullName };
      return;
    }
    this.schemas[fullName] = {}; // placeholder against recursion
    const scope = fullName.split(".").slice(0, -1).join(".");
    const properties: Record<string, JsonSchema> = {};
    for (const f of def.type.field ?? []) {
      const key = f.jsonName || f.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      let schema: JsonSchema;
      switch (f.type) {
        case "TYPE_STRING":
          schema = { type: "string" };
          break;
        case "TYPE_BOOL":
          schema = { type: "boolean" };
          break;
        case "TYPE_INT32":
        case "TYPE_UINT32":
        case "TYPE_SINT32":
        case "TYPE_FIXED32":
        case "TYPE_SFIXED32":
          schema = { type: "integer", format: "int32" };
          break;
        case "TYPE_INT64":
        case "TYPE_UINT64":
        case "TYPE_SINT64":
        case "TYPE_FIXED64":
        case "TYPE_SFIXED64":
          schema = { type: "string", format: "int64", description: "64-bit integer as a decimal string" };
          break;
        case "TYPE_DOUBLE":
        case "TYPE_FLOAT":
          schema = { type: "number" };
          break;
        case "TYPE_BYTES":
          schema = { type: "string", contentEncoding: "base64" };
          break;
        default:
          schema = this.ref(this.resolve(f.typeName, scope));
      }
      properties[key] = f.label === "LABEL_REPEATED" ? { type: "array", items: schema } : schema;
    }
    const oneofs = def.type.oneofDecl ?? [];
    this.schemas[fullName] = {
      type: "object",
      "x-protobuf-message": fullName,
      properties,
      ...(oneofs.length ? { description: `At most one of the fields of oneof ${oneofs.map((o) => o.name).join(", ")} is set.` } : {}),
    };
  }
}

function directionText(c: Channel): string {
  switch (c.direction) {
    case "mirrored-down":
      return "mirrored down: written at the city, read at the district";
    case "mirrored-up":
      return "mirrored up: written at a district, read at the city";
    default:
      return "local to this node";
  }
}

/** The AsyncAPI 3 document of a kind of node. */
export function asyncApiDocument(kind: NodeKind, namespace = "jinlian"): Record<string, unknown> {
  const schemas = new SchemaBuilder();
  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const node = kind === "municipal" ? CITY_JURISDICTION : DISTRICT_PARAM;

  const addMessage = (e: EventDescriptor) => {
    const id = messageId(e);
    messages[id] ??= {
      name: e.type,
      title: e.type,
      summary: e.summary,
      contentType: CONTENT_TYPE_PROTOBUF,
      headers: {
        type: "object",
        required: ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"],
        properties: {
          ce_specversion: { const: "1.0" },
          ce_id: { type: "string", format: "uuid" },
          ce_source: { type: "string", pattern: `^/jinlian/[0-9]{6}/${e.service}$`, description: "The emitting node and service" },
          ce_type: { const: e.type },
          ce_time: { type: "string", format: "date-time" },
          ce_subject: { type: "string", description: `The aggregate id (${e.key}); also the Kafka key` },
          ce_dataschema: { const: dataschemaFor(e.message) },
          "content-type": { const: CONTENT_TYPE_PROTOBUF },
          traceparent: { type: "string", description: "W3C trace context" },
        },
      },
      payload: schemas.ref(e.message),
      bindings: { kafka: { key: { type: "string", description: `${e.key} of the payload` }, bindingVersion: KAFKA_BINDING } },
      "x-protobuf-message": e.message,
    };
    return id;
  };
  messages["dead-letter"] = {
    name: "dead-letter",
    title: "Dead letter",
    summary: "A message a consumer could not handle: the original key, value and headers, plus the reason.",
    headers: {
      type: "object",
      required: [
        "jinlian_dlq_reason",
        "jinlian_dlq_error",
        "jinlian_dlq_topic",
        "jinlian_dlq_partition",
        "jinlian_dlq_offset",
        "jinlian_dlq_consumer",
      ],
      properties: {
        jinlian_dlq_reason: { type: "string", enum: ["MALFORMED", "FORGED", "REFUSED", "HANDLER_FAILED"] },
        jinlian_dlq_error: { type: "string" },
        jinlian_dlq_check: {
          type: "string",
          description: "The inbound check that refused the event before any handler ran",
          enum: [...INBOUND_CHECKS],
        },
        jinlian_dlq_topic: { type: "string" },
        jinlian_dlq_partition: { type: "string" },
        jinlian_dlq_offset: { type: "string" },
        jinlian_dlq_consumer: { type: "string" },
        jinlian_dlq_attempts: { type: "string" },
        jinlian_dlq_payload_omitted: {
          type: "string",
          description:
            "Set when the payload was left out to keep the dead letter within the broker's size limit; read the original at jinlian_dlq_topic/partition/offset.",
        },
        jinlian_dlq_time: { type: "string", format: "date-time" },
      },
    },
    payload: { description: "The original message value, unchanged" },
  };

  for (const t of channelTemplates(kind, namespace)) {
    const c = t.channel;
    const ids = c.stream.kind === "dead-letter" ? ["dead-letter"] : c.events.map(addMessage);
    const consumerGroup = c.consumerGroup ? templated(c.consumerGroup) : undefined;
    const readers = c.stream.kind === "local" ? (c.stream.subscribers ?? []).map((r) => `${r.service} (${r.consumer})`) : [];
    channels[t.id] ??= {
      address: t.address,
      title:
        c.stream.kind === "local"
          ? `${c.stream.service} ${c.stream.name} (local)`
          : `${c.stream.service} ${c.stream.name} (${c.role === "publish" ? "written" : "read"} here)`,
      description:
        c.stream.kind === "local"
          ? `${c.stream.summary} Direction: ${directionText(c)}. Written by ${c.stream.service}; read by ${readers.length ? readers.join(", ") : "no service yet"}.`
          : `${c.stream.summary} Direction: ${directionText(c)}.${consumerGroup ? ` Consumed by group ${consumerGroup}.` : ""}`,
      ...(t.address.includes(DISTRICT_PARAM)
        ? { parameters: { district: { enum: [...DISTRICT_CODES], description: "GB/T 2260 code of a district of Tianjin" } } }
        : {}),
      messages: Object.fromEntries(ids.map((id) => [id, { $ref: `#/components/messages/${id}` }])),
      bindings: {
        kafka: {
          partitions: c.stream.partitions,
          topicConfiguration: { "retention.ms": c.stream.retentionMs, "cleanup.policy": [c.stream.cleanupPolicy ?? "delete"] },
          bindingVersion: KAFKA_BINDING,
        },
      },
      "x-jinlian-direction": c.direction,
      ...(consumerGroup && c.stream.kind !== "local" ? { "x-jinlian-consumer-group": consumerGroup } : {}),
      "x-jinlian-key": c.stream.kind === "dead-letter" ? "original key" : keysOf(c).join(", "),
    };
    const publishes = c.role === "publish";
    const reader = c.consumerGroup?.split(".")[2];
    operations[operationId(t)] = {
      action: publishes ? "send" : "receive",
      channel: { $ref: `#/channels/${t.id}` },
      summary: publishes
        ? `This node writes ${c.stream.service} ${c.stream.name} here.`
        : c.stream.kind === "local"
          ? `This node's ${reader} service consumes ${c.stream.service} ${c.stream.name} from here.`
          : foreignReader(c)
            ? `This node's ${reader} service consumes ${c.stream.service} ${c.stream.name} from here too.`
            : `This node consumes ${c.stream.service} ${c.stream.name} from here.`,
      messages: ids.map((id) => ({ $ref: `#/channels/${t.id}/messages/${id}` })),
      ...(!publishes && consumerGroup
        ? { bindings: { kafka: { groupId: { type: "string", const: consumerGroup }, bindingVersion: KAFKA_BINDING } } }
        : {}),
    };
  }

  return {
    asyncapi: "3.0.0",
    info: {
      title:
        kind === "municipal"
          ? `Jinlian municipal node (${CITY_JURISDICTION} ${jurisdictionName(CITY_JURISDICTION)})`
          : "Jinlian district node",
      version: "1.0.0",
      description:
        `Event streams of a Jinlian ${kind} node${kind === "district" ? " ({district} is the node's own district code)" : ""}. ` +
        `Events are CloudEvents 1.0 in Kafka binary mode with protobuf data; the key is the aggregate id. ` +
        `Topic names start with the namespace "${namespace}" (JINLIAN_TOPIC_NAMESPACE). Generated from the stream catalogue in @jinlian/subscriber; do not edit.`,
    },
    defaultContentType: CONTENT_TYPE_PROTOBUF,
    servers: {
      kafka: {
        host: kind === "municipal" ? "kafka.jinlian-120000.svc:9092" : "kafka.jinlian-{district}.svc:9092",
        protocol: "kafka",
        description: `The node's own Kafka cluster; MirrorMaker 2 carries mirrored topics between the city (node ${node === CITY_JURISDICTION ? "here" : CITY_JURISDICTION}) and the districts.`,
        ...(kind === "district" ? { variables: { district: { enum: [...DISTRICT_CODES] } } } : {}),
      },
    },
    channels,
    operations,
    components: { messages, schemas: schemas.schemas },
  };
}

export function asyncApiYaml(kind: NodeKind, namespace = "jinlian"): string {
  return `# Generated by \`pnpm docs:asyncapi\` from the stream catalogue (@jinlian/subscriber). Do not edit.\n${stringify(asyncApiDocument(kind, namespace), { lineWidth: 0 })}`;
}

/** A readable rendering of both documents for docs/asyncapi/README.md. */
export function asyncApiMarkdown(namespace = "jinlian"): string {
  const lines = [
    "# Event streams (AsyncAPI)",
    "",
    "Generated by `pnpm docs:asyncapi` from the stream catalogue in `packages/subscriber/src/catalogue/` (one file per service); do not edit.",
    "The machine-readable documents are [municipal.yaml](municipal.yaml) and [district.yaml](district.yaml) (AsyncAPI 3.0).",
    "",
  ];
  for (const kind of NODE_KINDS) {
    lines.push(`## ${kind === "municipal" ? "Municipal node (120000)" : "District node ({district})"}`, "");
    lines.push("| topic | this node | direction | CloudEvents types | payload | key | partitions | retention | consumer group |");
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const t of channelTemplates(kind, namespace)) {
      const c = t.channel;
      const types = c.events.length ? c.events.map((e) => `\`${e.type}\``).join("<br>") : "dead letters (any)";
      const payloads = c.events.length ? c.events.map((e) => `\`${e.message.split(".").pop()}\``).join("<br>") : "original value";
      const retention =
        (c.stream.retentionMs < 0 ? "forever" : `${Math.round(c.stream.retentionMs / 86_400_000)} days`) +
        (c.stream.cleanupPolicy === "compact" ? ", compacted" : "");
      lines.push(
        `| \`${t.address}\` | ${c.role === "publish" ? `${c.stream.service} writes` : `${c.consumerGroup?.split(".")[2] ?? ""} reads`} | ${c.direction} | ${types} | ${payloads} | ${c.events.length ? keysOf(c).join("<br>") : "original"} | ${c.stream.partitions} | ${retention} | ${c.consumerGroup ? `\`${templated(c.consumerGroup)}\`` : "—"} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}
