import { EventEmitter } from "node:events";
import type { Kafka, Producer } from "kafkajs";
import { Subscriber } from "./subscriber";

/**
 * Crash supervision with a stand-in for kafkajs (pure logic: which consumers are started and when);
 * the real broker paths are in tests/sdk/subscriber-crash.int.spec.ts.
 */
class FakeConsumer extends EventEmitter {
  readonly events = { CRASH: "consumer.crash" };
  running = false;
  disconnected = false;
  constructor(private readonly onRun: (c: FakeConsumer) => void) {
    super();
  }
  async connect() {}
  async subscribe() {}
  async run() {
    this.running = true;
    this.onRun(this);
  }
  async disconnect() {
    this.running = false;
    this.disconnected = true;
  }
  crash(message: string) {
    this.running = false;
    this.emit(this.events.CRASH, { payload: { error: new Error(message) } });
  }
}

function fakeKafka(onRun: (c: FakeConsumer, index: number) => void) {
  const consumers: FakeConsumer[] = [];
  const kafka = {
    consumer: () => {
      const index = consumers.length;
      const c = new FakeConsumer((self) => onRun(self, index));
      consumers.push(c);
      return c;
    },
    admin: () => ({ connect: async () => undefined, disconnect: async () => undefined }),
  };
  return { kafka: kafka as unknown as Kafka, consumers };
}

const producer = { connect: async () => undefined, disconnect: async () => undefined } as unknown as Producer;
const options = (kafka: Kafka) => ({
  kafka,
  producer,
  name: "deliveries",
  groupId: "g",
  topics: ["t"],
  deadLetterTopic: "t.dlq",
  restartBackoffMs: 10,
});
const settle = () => new Promise((r) => setTimeout(r, 50));

describe("a crashed consumer", () => {
  it("is replaced by a running one, and health says so", async () => {
    const { kafka, consumers } = fakeKafka(() => undefined);
    const subscriber = new Subscriber(options(kafka));
    const health: boolean[] = [];
    subscriber.onHealthChange((h) => health.push(h));
    await subscriber.start();
    consumers[0]!.crash("broker gone");
    await settle();
    expect(consumers).toHaveLength(2);
    expect(consumers[0]!.disconnected).toBe(true);
    expect(consumers[1]!.running).toBe(true);
    expect(health).toEqual([false, true]);
    expect(subscriber.healthy).toBe(true);
    await subscriber.stop();
  });

  it("is restarted again when the consumer its restart started crashes before that restart is over", async () => {
    // The replacement crashes at once (a group coordinator still loading after a broker start):
    // that crash arrives while the first restart is still finishing and must not be dropped.
    const { kafka, consumers } = fakeKafka((c, index) => {
      if (index === 1) queueMicrotask(() => c.crash("The coordinator is loading"));
    });
    const subscriber = new Subscriber(options(kafka));
    await subscriber.start();
    consumers[0]!.crash("Failed to find group coordinator");
    await settle();
    expect(consumers).toHaveLength(3);
    expect(consumers[1]!.running).toBe(false);
    expect(consumers[2]!.running).toBe(true);
    expect(subscriber.healthy).toBe(true);
    await subscriber.stop();
  });

  it("reported twice starts one replacement, and a stopped subscriber starts none", async () => {
    const { kafka, consumers } = fakeKafka(() => undefined);
    const subscriber = new Subscriber(options(kafka));
    await subscriber.start();
    consumers[0]!.crash("once");
    consumers[0]!.crash("twice");
    await settle();
    expect(consumers).toHaveLength(2);
    await subscriber.stop();
    consumers[1]!.crash("after stop");
    await settle();
    expect(consumers).toHaveLength(2);
  });
});
