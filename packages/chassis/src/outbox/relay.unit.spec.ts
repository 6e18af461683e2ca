import { unpublishableReason } from "./relay";

describe("which broker answers park an outbox row", () => {
  const protocol = (type: string, retriable = false) =>
    Object.assign(new Error(`broker said ${type}`), { name: "KafkaJSProtocolError", type, retriable });

  it.each(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE", "UNKNOWN_TOPIC_OR_PARTITION", "TOPIC_AUTHORIZATION_FAILED", "INVALID_RECORD"])(
    "given %s, then the row is unpublishable as it is",
    (type) => {
      expect(unpublishableReason(protocol(type))).toMatch(new RegExp(`^${type}`));
    },
  );

  it("finds the cause inside kafkajs' retry and aggregate wrappers", () => {
    const retries = Object.assign(new Error("retries exceeded"), { originalError: protocol("UNKNOWN_TOPIC_OR_PARTITION", true) });
    expect(unpublishableReason(retries)).toMatch(/^UNKNOWN_TOPIC_OR_PARTITION/);
    const aggregate = Object.assign(new Error("several"), { errors: [new Error("x"), protocol("MESSAGE_TOO_LARGE")] });
    expect(unpublishableReason(aggregate)).toMatch(/^MESSAGE_TOO_LARGE/);
  });

  it("given an outage (connection refused, leader moving, timeout), then the batch is retried, not parked", () => {
    expect(unpublishableReason(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBeUndefined();
    expect(unpublishableReason(protocol("NOT_LEADER_FOR_PARTITION", true))).toBeUndefined();
    expect(unpublishableReason(protocol("REQUEST_TIMED_OUT", true))).toBeUndefined();
    expect(unpublishableReason(undefined)).toBeUndefined();
  });
});
