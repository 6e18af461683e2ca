import { z } from "zod";
import { ConfigError, env, loadConfig } from "./env";

const shape = {
  DATABASE_URL: env.url(["postgres", "postgresql"]),
  KAFKA_BROKERS: env.brokers(),
  GRPC_PORT: env.port(50051),
  MODE: z.enum(["a", "b"]).default("a"),
};

describe("configuration from the environment", () => {
  it("parses once into a typed, frozen object with defaults", () => {
    const c = loadConfig(shape, { DATABASE_URL: "postgres://u@h/db", KAFKA_BROKERS: "a:9092, b:9093" });
    expect(c).toEqual({ DATABASE_URL: "postgres://u@h/db", KAFKA_BROKERS: ["a:9092", "b:9093"], GRPC_PORT: 50051, MODE: "a" });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("names every missing or malformed variable at once", () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(shape, { DATABASE_URL: "mysql://x", GRPC_PORT: "70000", MODE: "c", KAFKA_BROKERS: "" });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.message;
    expect(text).toMatch(/DATABASE_URL: must be a URL with scheme postgres or postgresql \(got "mysql:\/\/x"\)/);
    expect(text).toMatch(/KAFKA_BROKERS: is required but not set/);
    expect(text).toMatch(/GRPC_PORT: .*\(got "70000"\)/);
    expect(text).toMatch(/MODE: .*\(got "c"\)/);
    expect(error!.problems).toHaveLength(4);
  });
});
