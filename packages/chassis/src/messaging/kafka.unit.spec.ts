import type { Kafka, Producer, ProducerRecord } from "kafkajs";
import { createProducer, producerStateLost } from "./kafka";

/** kafkajs producers that record what they were asked, the first failing its sends as told. */
function fakeKafka(failFirstWith?: { type: string; message: string }) {
  const made: { id: number; sends: ProducerRecord[]; connected: boolean; disconnects: number }[] = [];
  const kafka = {
    producer: () => {
      const me = { id: made.length, sends: [] as ProducerRecord[], connected: false, disconnects: 0 };
      made.push(me);
      return {
        connect: async () => void (me.connected = true),
        disconnect: async () => {
          me.connected = false;
          me.disconnects++;
        },
        send: async (record: ProducerRecord) => {
          if (!me.connected) throw new Error("the producer is disconnected");
          me.sends.push(record);
          if (failFirstWith && me.id === 0) throw Object.assign(new Error(failFirstWith.message), { type: failFirstWith.type });
          return [];
        },
        events: {},
        on: () => () => undefined,
      } as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, made };
}

const record = (n: number): ProducerRecord => ({ topic: "t", messages: [{ key: "k", value: String(n) }] });

describe("the node's producer", () => {
  it("given the broker says its sequence state is lost, when sending, then it throws and the next send goes out on a new producer", async () => {
    const { kafka, made } = fakeKafka({
      type: "OUT_OF_ORDER_SEQUENCE_NUMBER",
      message: "The broker received an out of order sequence number",
    });
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.send(record(1))).rejects.toThrow(/out of order/);
    await producer.send(record(1)); // the caller's retry of the same batch
    await producer.send(record(2));
    expect(made).toHaveLength(2);
    expect(made[0]!.disconnects).toBe(1);
    expect(made[1]!.sends.map((r) => r.messages[0]!.value)).toEqual(["1", "2"]);
  });

  it("given any other failure, when sending, then it keeps its producer (the caller retries as usual)", async () => {
    const { kafka, made } = fakeKafka({ type: "NOT_LEADER_FOR_PARTITION", message: "This server is not the leader" });
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.send(record(1))).rejects.toThrow(/not the leader/);
    await expect(producer.send(record(1))).rejects.toThrow(/not the leader/);
    expect(made).toHaveLength(1);
  });

  it("given it was never connected or was disconnected, when a producer is replaced, then the new one is not connected behind the caller's back", async () => {
    const { kafka, made } = fakeKafka();
    const producer = createProducer(kafka);
    await expect(producer.send(record(1))).rejects.toThrow(/disconnected/);
    await producer.connect();
    await producer.send(record(1));
    await producer.disconnect();
    await expect(producer.send(record(2))).rejects.toThrow(/disconnected/);
    expect(made).toHaveLength(1);
  });

  it("finds the lost state inside kafkajs' retry and aggregate wrappers", () => {
    const inner = { type: "UNKNOWN_PRODUCER_ID" };
    expect(producerStateLost({ name: "KafkaJSNumberOfRetriesExceeded", cause: inner })).toBe(true);
    expect(producerStateLost({ errors: [{ type: "NOT_LEADER_FOR_PARTITION" }, { originalError: inner }] })).toBe(true);
    expect(producerStateLost({ type: "NOT_LEADER_FOR_PARTITION" })).toBe(false);
    expect(producerStateLost(undefined)).toBe(false);
  });
});
