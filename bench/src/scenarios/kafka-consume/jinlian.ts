/**
 * `EventConsumer`: CloudEvents decoding, a CONSUMER span per message, a partition's run of events
 * in one knex transaction (one insert of the run into the inbox, then each new event's handler
 * write: a projection upsert, as in the baseline); offsets committed after. A second pass gives
 * the handler an InboxRun: one upsert for a run's new events, as the baseline's "together" pass.
 * Each pass uses a new consumer name, so every event is new to the inbox.
 */
import { bulletinsEvents, createDatabase, createKafka, createProducer, EventConsumer, inboxHandler, inboxRun } from "@jinlian/chassis";
import { benchLogger } from "../../lib/jinlian";
import type { RepMetrics, ScenarioFactory } from "../../lib/protocol";
import { CONCURRENT_PARTITIONS, consumePass, projectionOfRun, type Countdown } from "../consume-common";

export const create: ScenarioFactory = async (config) => {
  const logger = benchLogger();
  const db = createDatabase({ url: config.databaseUrl, schema: config.schemas.inbox, applicationName: "bench-jinlian" });
  const kafka = createKafka({ brokers: config.brokers, clientId: "bench-jinlian-consume", logger });
  const producer = createProducer(kafka); // dead letters only; none are expected
  await producer.connect();
  let consumer: EventConsumer | undefined;
  let passes = 0;

  const pass = async (topic: string, n: number, together: boolean) => {
    const name = `jinlian-${config.runId}-${passes++}`;
    return consumePass(n, topic, {
      async start(countdown: Countdown) {
        consumer = new EventConsumer({
          kafka,
          db,
          name,
          groupId: `${config.namespace}.${name}`,
          topics: [topic],
          // The handler's write, as in the baseline: a projection row per aggregate.
          handlers: [
            inboxHandler(
              bulletinsEvents.published,
              async (event, trx) => {
                await trx.raw(
                  'insert into "projection" ("aggregate_id", "events") values (?, 1) on conflict ("aggregate_id") do update set "events" = "projection"."events" + 1',
                  [event.subject],
                );
                countdown.hit();
              },
              undefined,
              together
                ? inboxRun(async (events, trx) => {
                    const { sql, params } = projectionOfRun(
                      events.map((e) => e.subject),
                      () => "?",
                    );
                    await trx.raw(sql, params);
                    for (let i = 0; i < events.length; i++) countdown.hit();
                  })
                : undefined,
            ),
          ],
          deadLetterTopic: config.topics.deadLetter,
          concurrentPartitions: CONCURRENT_PARTITIONS,
          producer,
          logger,
        });
        await consumer.start();
      },
      async stop() {
        await consumer?.stop();
      },
    });
  };

  return {
    async warmup() {
      await pass(config.topics.consumeWarmup, config.sizes.consumeWarmupEvents, false);
      await pass(config.topics.consumeWarmup, config.sizes.consumeWarmupEvents, true);
    },
    async measure(): Promise<RepMetrics> {
      const { eventsPerS, cpuUs, gcUs } = await pass(config.topics.consume, config.sizes.consumeEvents, false);
      const together = await pass(config.topics.consume, config.sizes.consumeEvents, true);
      return {
        events_per_s: eventsPerS,
        cpu_us: cpuUs,
        gc_us: gcUs,
        together_events_per_s: together.eventsPerS,
        together_cpu_us: together.cpuUs,
        together_gc_us: together.gcUs,
      };
    },
    async teardown() {
      await producer.disconnect();
      await db.destroy();
    },
  };
};
