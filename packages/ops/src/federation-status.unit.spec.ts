import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bulletinsV1 } from "@jinlian/proto";
import { districtReadState } from "./federation-status-bulletins";
import { parseStatusArgs, UsageError } from "./federation-status";

const base = ["--city", "120000=city:9092", "--district", "120101=heping-a:9092,heping-b:9092"];

describe("parseStatusArgs", () => {
  it("takes the clusters, namespace and thresholds, with defaults", () => {
    const { json, options } = parseStatusArgs([...base, "--district", "120102=hedong:9092", "--namespace", "staging", "--json"]);
    expect(json).toBe(true);
    expect(options).toEqual({
      namespace: "staging",
      city: { code: "120000", bootstrapServers: "city:9092" },
      districts: [
        { code: "120101", bootstrapServers: "heping-a:9092,heping-b:9092" },
        { code: "120102", bootstrapServers: "hedong:9092" },
      ],
      thresholds: { maxLagRecords: 100, maxLagSeconds: 300, maxHeartbeatAgeSeconds: 60 },
      timeoutMs: 5000,
      mirrorMaker: "auto",
    });
    const strict = parseStatusArgs([
      ...base,
      "--max-lag-records",
      "0",
      "--max-lag-seconds",
      "30",
      "--max-heartbeat-age-seconds",
      "0",
      "--timeout-seconds",
      "2",
      "--city-grpc",
      "bulletins.jinlian-120000:50051",
      "--city-grpc-token-file",
      "/var/run/jinlian/ops.token",
      "--mirror-maker",
      "strimzi",
    ]).options;
    expect(strict.thresholds).toEqual({ maxLagRecords: 0, maxLagSeconds: 30, maxHeartbeatAgeSeconds: 0 });
    expect(strict.timeoutMs).toBe(2000);
    expect(strict.cityGrpc).toBe("bulletins.jinlian-120000:50051");
    expect(strict.cityGrpcTokenFile).toBe("/var/run/jinlian/ops.token");
    expect(strict.mirrorMaker).toBe("strimzi");
  });

  it.each([
    [[], /--city is required/],
    [["--city", "120000=city:9092"], /at least one --district/],
    [["--city", "120101=x:1", "--district", "120102=y:2"], /--city must name the city/],
    [["--city", "120000=city", "--district", "120101=y:2"], /--city must be <code>=<host:port>/],
    [[...base, "--district", "120000=z:3"], /120000 is not a district/],
    [[...base, "--district", "120101=z:3"], /each district may be given once/],
    [[...base, "--max-lag-records=-1"], /--max-lag-records must be an integer ≥ 0/],
    [[...base, "--max-lag-seconds", "1.5"], /--max-lag-seconds must be an integer/],
    [[...base, "--timeout-seconds", "0"], /--timeout-seconds must be an integer ≥ 1/],
    [[...base, "--city-grpc", "nohost"], /--city-grpc must be <host:port>/],
    [[...base, "--city-grpc-token-file", "/t"], /--city-grpc-token-file goes with --city-grpc/],
    [[...base, "--namespace", "Bad.NS"], /is not a topic namespace/],
    [[...base, "--lag"], /Unknown option '--lag'/],
    [[...base, "--mirror-maker", "connect"], /--mirror-maker must be auto, dedicated or strimzi/],
    [[...base, "extra"], /Unexpected argument 'extra'/],
  ])("refuses %j", (args, message) => {
    expect(() => parseStatusArgs(args)).toThrow(UsageError);
    expect(() => parseStatusArgs(args)).toThrow(message);
  });
});

describe("the command's Kafka credentials", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "jinlian-ops-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const password = path.join(dir, "password");
  writeFileSync(password, "s3cret\n");

  it("come from the same variables as a node's, for every cluster", () => {
    const env = { KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "jinlian-ops", KAFKA_SASL_PASSWORD_FILE: password };
    expect(parseStatusArgs(base, env).options.security).toEqual({
      sasl: { mechanism: "scram-sha-512", username: "jinlian-ops", password: "s3cret" },
    });
    expect(parseStatusArgs(base, {}).options.security).toBeUndefined();
  });

  it("refuse an incomplete or unreadable setting as a usage error, naming each problem", () => {
    const env = { KAFKA_SASL_USERNAME: "jinlian-ops", KAFKA_TLS_CA_FILE: path.join(dir, "missing.crt") };
    expect(() => parseStatusArgs(base, env)).toThrow(UsageError);
    expect(() => parseStatusArgs(base, env)).toThrow(/KAFKA_TLS_CA_FILE: cannot read .*ENOENT.*KAFKA_SASL_MECHANISM: is required/s);
  });
});

describe("districtReadState", () => {
  it("finds the district's own node recipient among a bulletin's recipients", () => {
    const recipient = (value: string, state: bulletinsV1.ReadState) =>
      bulletinsV1.RecipientReadStatus.fromPartial({ recipient: { recipient: { $case: "jurisdictionCode", value } }, state });
    const res = bulletinsV1.GetBulletinReadStatusResponse.fromPartial({
      recipients: [
        recipient("120102", bulletinsV1.ReadState.READ_STATE_READ),
        bulletinsV1.RecipientReadStatus.fromPartial({
          recipient: { recipient: { $case: "organisation", value: { creditCode: "x", jurisdictionCode: "120101", name: "n" } } },
          state: bulletinsV1.ReadState.READ_STATE_READ,
        }),
        recipient("120101", bulletinsV1.ReadState.READ_STATE_OVERDUE),
      ],
    });
    expect(districtReadState(res, "120101")).toBe(bulletinsV1.ReadState.READ_STATE_OVERDUE);
    expect(districtReadState(res, "120102")).toBe(bulletinsV1.ReadState.READ_STATE_READ);
    expect(districtReadState(res, "120103")).toBeUndefined();
  });
});
