import type { Knex } from "knex";
import { assertDeclared, toKafkaHeaders, type CloudEvent } from "@jinlian/subscriber";
import { currentTraceHeaders } from "../telemetry/tracing";

export interface OutgoingEvent {
  readonly topic: string;
  readonly event: CloudEvent;
}

export function outboxChannel(schema: string): string {
  return `jinlian_outbox_${schema}`;
}

/**
 * Appends events to the outbox in the caller's transaction, so the state change and its events
 * commit together. The active trace context is stored with each row and the relay publishes
 * inside it, so the consumer's span joins the request's trace.
 */
export async function appendToOutbox(trx: Knex.Transaction, schema: string, events: readonly OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  for (const { topic, event } of events) assertDeclared(topic, event.type);
  const trace = currentTraceHeaders();
  await trx("outbox").insert(
    events.map(({ topic, event }) => ({
      event_id: event.id,
      topic,
      message_key: event.subject,
      event_type: event.type,
      headers: { ...toKafkaHeaders(event), ...trace },
      payload: Buffer.from(event.data),
    })),
  );
  // A wake-up hint for the relay, delivered at commit; the relay polls as well.
  await trx.raw("select pg_notify(?, '')", [outboxChannel(schema)]);
}
