/**
 * Server reflection is described on its first call, not at start: building the description of
 * every contract took about a sixth of a node's time to SERVING (docs/performance.md, fourteenth
 * round). It still lists and describes what the server serves, and is built once.
 */
import * as protoLoader from "@grpc/proto-loader";
import { createLogger, GrpcServer } from "@jinlian/chassis";
import { healthCheck, reflectedFileFor, reflectedServices } from "../support/grpc-introspection";

jest.setTimeout(60_000);

it("builds reflection's description on the first reflection call, once, and serves before it", async () => {
  const built = jest.spyOn(protoLoader, "loadFileDescriptorSetFromBuffer");
  const server = new GrpcServer({ logger: createLogger({ level: "silent" }) });
  try {
    const port = await server.start("127.0.0.1", 0);
    server.setStatus("SERVING");
    const address = `127.0.0.1:${port}`;
    expect(await healthCheck(address, "")).toBe("SERVING");
    expect(built).not.toHaveBeenCalled();

    expect(await reflectedServices(address)).toEqual(["grpc.health.v1.Health"]);
    expect(await reflectedFileFor(address, "grpc.health.v1.Health")).toBeGreaterThan(0);
    // Every contract is described, served here or not: grpcurl can describe a message by name.
    expect(await reflectedFileFor(address, "jinlian.bulletins.v1.Bulletin")).toBeGreaterThan(0);
    expect(built).toHaveBeenCalledTimes(1);
  } finally {
    built.mockRestore();
    await server.drain(1000);
  }
});
