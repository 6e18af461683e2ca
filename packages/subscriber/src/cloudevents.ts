import type { IHeaders } from "kafkajs";

/**
 * CloudEvents 1.0 in Kafka binary content mode (CloudEvents Kafka protocol binding): attributes in
 * `ce_` headers, datacontenttype in `content-type`, the protobuf payload as the message value and
 * the partition key (the aggregate id) as the message key.
 */
export const CONTENT_TYPE_PROTOBUF = "application/protobuf";

export interface CloudEvent {
  readonly id: string;
  /** URI-reference naming the emitting node and service, e.g. "/jinlian/120000/bulletins". */
  readonly source: string;
  /** e.g. "jinlian.bulletins.bulletin.published.v1". */
  readonly type: string;
  readonly time: Date;
  /** The aggregate the event is about; also the Kafka key. */
  readonly subject: string;
  /** The protobuf message of data, as urn:jinlian:protobuf:<fully-qualified name> (an absolute URI). */
  readonly dataschema: string;
  readonly data: Uint8Array;
}

export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedEventError";
  }
}

export function eventSource(jurisdictionCode: string, service: string): string {
  return `/jinlian/${jurisdictionCode}/${service}`;
}

// A node is a six-digit jurisdiction code; a service a lower-case name such as "legal-services".
const SOURCE = /^\/jinlian\/(\d{6})\/([a-z][a-z0-9-]*)$/;

/**
 * The node and service an event source names: the inverse of eventSource, so
 * eventSource(node, service) === source for whatever parses. Undefined for anything else
 * (another URI, a trailing slash, an extra path segment); a receiver then cannot tell who sent it.
 */
export function parseEventSource(source: string): { node: string; service: string } | undefined {
  const m = SOURCE.exec(source);
  return m ? { node: m[1]!, service: m[2]! } : undefined;
}

export function dataschemaFor(messageFullName: string): string {
  return `urn:jinlian:protobuf:${messageFullName}`;
}

/** Headers for an event, without the trace context (added when it is sent). */
export function toKafkaHeaders(event: CloudEvent): Record<string, string> {
  return {
    ce_specversion: "1.0",
    ce_id: event.id,
    ce_source: event.source,
    ce_type: event.type,
    ce_time: event.time.toISOString(),
    ce_subject: event.subject,
    ce_dataschema: event.dataschema,
    "content-type": CONTENT_TYPE_PROTOBUF,
  };
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString("utf8") : String(first);
}

/** Reads a binary-mode CloudEvent from a Kafka message, or throws MalformedEventError. */
export function fromKafkaMessage(message: { key: Buffer | null; value: Buffer | null; headers?: IHeaders }): CloudEvent {
  const specversion = header(message.headers, "ce_specversion");
  if (specversion !== "1.0") throw new MalformedEventError(`ce_specversion must be "1.0" (got ${JSON.stringify(specversion)})`);
  const required = (name: string): string => {
    const v = header(message.headers, name);
    if (!v) throw new MalformedEventError(`missing header ${name}`);
    return v;
  };
  const id = required("ce_id");
  const source = required("ce_source");
  const type = required("ce_type");
  const contentType = header(message.headers, "content-type");
  if (contentType !== CONTENT_TYPE_PROTOBUF)
    throw new MalformedEventError(`content-type must be ${CONTENT_TYPE_PROTOBUF} (got ${JSON.stringify(contentType)})`);
  const timeRaw = header(message.headers, "ce_time");
  const time = timeRaw ? new Date(timeRaw) : new Date(0);
  if (Number.isNaN(time.getTime())) throw new MalformedEventError(`ce_time is not an RFC 3339 time: ${timeRaw}`);
  if (!message.value) throw new MalformedEventError("event has no data");
  return {
    id,
    source,
    type,
    time,
    subject: header(message.headers, "ce_subject") ?? message.key?.toString("utf8") ?? "",
    dataschema: header(message.headers, "ce_dataschema") ?? "",
    data: message.value,
  };
}
