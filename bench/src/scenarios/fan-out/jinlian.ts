/**
 * The platform, 17 nodes' worth in one process: the city commits a bulletin for k districts in
 * one transaction (an outbox row per district topic) and its relay publishes them; each district
 * (a schema, a relay and a producer of its own, as a node has) applies the bulletin through its
 * EventConsumer and, in the same transaction, commits its read receipt to its outbox; its relay
 * sends the receipt up; the city's EventConsumer applies the receipts. Times start at the city's
 * commit.
 */
import {
  appendToOutbox,
  bulletinsEvents,
  createDatabase,
  createKafka,
  createProducer,
  EventConsumer,
  inboxHandler,
  migrate,
  OutboxRelay,
  type EventDescriptor,
  type Logger,
} from "@jinlian/chassis";
import type { Knex } from "knex";
import type { Producer } from "kafkajs";
import { bulletinEvent, receiptEvent } from "../../lib/fixtures";
import { benchLogger } from "../../lib/jinlian";
import type { ScenarioFactory } from "../../lib/protocol";
import { CONCURRENT_PARTITIONS } from "../consume-common";
import { CITY, createFanOutTopics, DISTRICTS, FanOut, fanOutTopics, measureFanOut, warmUpFanOut } from "../fan-out-common";

interface Node {
  db: Knex;
  producer: Producer;
  relay: OutboxRelay;
  consumer: EventConsumer;
}

export const create: ScenarioFactory = async (config) => {
  const logger: Logger = benchLogger();
  const kafka = createKafka({ brokers: config.brokers, clientId: "bench-jinlian-fan", logger });
  const topics = fanOutTopics(config.namespace, `jinlian-${config.runId}`);
  const fan = new FanOut();
  const admin = kafka.admin();
  await admin.connect();
  await createFanOutTopics(admin, topics);
  const nodes: Node[] = [];

  /** A node's share of the bulletins service: schema, relay, producer and one consumer. */
  const node = async (
    code: string,
    poolMax: number,
    reads: string[],
    type: "published" | "acknowledged",
    handle: (bulletinId: string, trx: Knex.Transaction) => Promise<void>,
  ) => {
    const schema = `bench_fan_${code}`;
    const db = createDatabase({ url: config.databaseUrl, schema, poolMax, applicationName: `bench-fan-${code}` });
    await migrate(db, schema, []);
    const producer = createProducer(kafka);
    await producer.connect();
    const relay = new OutboxRelay({ db, url: config.databaseUrl, schema, producer, logger });
    const name = `fan-${config.runId}`;
    const groupId = `${config.namespace}.fan-${code}-${config.runId}`;
    const consumer = new EventConsumer({
      kafka,
      db,
      name,
      groupId,
      topics: reads,
      deadLetterTopic: topics.deadLetter,
      producer,
      logger,
      concurrentPartitions: CONCURRENT_PARTITIONS,
      handlers: [inboxHandler(bulletinsEvents[type] as EventDescriptor<unknown>, (event, trx) => handle(event.subject, trx))],
    });
    relay.start();
    const n = { db, producer, relay, consumer };
    nodes.push(n);
    return n;
  };

  let city: Node;
  try {
    // One at a time: 17 migrations at once would take the throwaway database's connections.
    for (const d of DISTRICTS)
      await node(d, 3, [topics.down(d)], "published", async (bulletinId, trx) => {
        // The district's receipt commits with the delivery (the inbox row), as a read would.
        await appendToOutbox(trx, [{ topic: topics.up(d), event: receiptEvent(bulletinId, d) }]);
        fan.delivered(bulletinId);
      });
    city = await node(
      CITY,
      5,
      DISTRICTS.map((d) => topics.up(d)),
      "acknowledged",
      async (bulletinId) => fan.receipt(bulletinId),
    );
    // Joining takes a group a few seconds (the broker's initial rebalance delay): all at once.
    await Promise.all(nodes.map((n) => n.consumer.start()));
  } catch (err) {
    await admin.disconnect();
    throw err;
  }

  const send = async (bulletinId: string, districts: readonly string[]) => {
    await city.db.transaction((trx) =>
      appendToOutbox(
        trx,
        districts.map((d) => ({ topic: topics.down(d), event: bulletinEvent(bulletinId) })),
      ),
    );
    fan.sent(bulletinId, districts.length);
  };
  return {
    warmup: () => warmUpFanOut(fan, send),
    measure: () => measureFanOut(fan, config.sizes, send),
    async teardown() {
      await Promise.all(nodes.map((n) => n.consumer.stop()));
      await Promise.all(nodes.map((n) => n.relay.stop()));
      await Promise.all(nodes.map((n) => n.producer.disconnect()));
      await Promise.all(nodes.map((n) => n.db.destroy()));
      await admin.deleteTopics({ topics: topics.all });
      await admin.disconnect();
    },
  };
};
