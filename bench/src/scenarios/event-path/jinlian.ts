/**
 * The platform end to end in one process: use cases commit events with `appendToOutbox` (one
 * event per transaction, as a gRPC mutation does), the `OutboxRelay` publishes them, and an
 * `EventConsumer` of another service applies each through the inbox with a handler's write (a
 * projection upsert) and notes its arrival. Latency runs from the commit to the handler. The
 * sustained pass commits 100 events per transaction, 4 transactions at a time.
 */
import {
  appendToOutbox,
  bulletinsEvents,
  createDatabase,
  createKafka,
  createProducer,
  EventConsumer,
  inboxHandler,
  OutboxRelay,
} from "@jinlian/chassis";
import { benchEvent } from "../../lib/fixtures";
import { benchLogger } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { CONCURRENT_PARTITIONS } from "../consume-common";
import { Arrivals, measurePath, warmUp } from "../path-common";

export const create: ScenarioFactory = async (config) => {
  const logger = benchLogger();
  const outboxSchema = config.schemas.outbox;
  const writes = createDatabase({ url: config.databaseUrl, schema: outboxSchema, applicationName: "bench-jinlian-path-writes" });
  const reads = createDatabase({ url: config.databaseUrl, schema: config.schemas.inbox, applicationName: "bench-jinlian-path-reads" });
  const kafka = createKafka({ brokers: config.brokers, clientId: "bench-jinlian-path", logger });
  const producer = createProducer(kafka);
  await producer.connect();
  const topic = config.topics.path;
  const arrivals = new Arrivals();
  const relay = new OutboxRelay({ db: writes, url: config.databaseUrl, schema: outboxSchema, producer, logger });
  relay.start();
  const name = `path-${config.runId}`;
  const consumer = new EventConsumer({
    kafka,
    db: reads,
    name,
    groupId: `${config.namespace}.${name}`,
    topics: [topic],
    deadLetterTopic: config.topics.deadLetter,
    concurrentPartitions: CONCURRENT_PARTITIONS,
    producer,
    logger,
    handlers: [
      inboxHandler(bulletinsEvents.published, async (event, trx) => {
        await trx.raw(
          'insert into "projection" ("aggregate_id", "events") values (?, 1) on conflict ("aggregate_id") do update set "events" = "projection"."events" + 1',
          [event.subject],
        );
        arrivals.arrived(event.id);
      }),
    ],
  });
  // A new group reads from the log's start: put it at the end, as the bare consumer starts.
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.resetOffsets({ groupId: `${config.namespace}.${name}`, topic, earliest: false });
  } finally {
    await admin.disconnect();
  }
  await consumer.start();
  const commitOne = async (i: number) => {
    const event = benchEvent(i);
    arrivals.sending(event.id);
    await writes.transaction((trx) => appendToOutbox(trx, [{ topic, event }]));
    arrivals.committed(event.id);
  };

  return {
    async warmup() {
      await warmUp(arrivals, commitOne);
    },
    measure: () =>
      measurePath(arrivals, config.sizes, commitOne, async (events) => {
        await writes.transaction((trx) =>
          appendToOutbox(
            trx,
            events.map((event) => ({ topic, event })),
          ),
        );
        for (const e of events) arrivals.committed(e.id);
      }),
    async teardown() {
      await consumer.stop();
      await relay.stop();
      await producer.disconnect();
      await writes.destroy();
      await reads.destroy();
    },
  };
};
