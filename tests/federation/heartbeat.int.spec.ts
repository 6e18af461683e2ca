/**
 * Heartbeats over a federation link, with the municipal node and 和平区 (120101) in this process
 * on the shared test broker (one cluster: MirrorMaker carries the same topics between clusters in
 * production). Each side learns of the other within a few intervals; a heartbeat whose payload
 * names another sender than its topic is ignored; once the district stops, the age of what the
 * city last heard grows, the link is found silent (log and gauge), and it is heard again when the
 * district comes back. The gauges are read as Prometheus scrapes them.
 */
import net from "node:net";
import { CITY_JURISDICTION, createLogger, deliveryTopic, startTelemetry, toKafkaHeaders, type Telemetry } from "@jinlian/chassis";
import { startNode, type RunningNode } from "@jinlian/node";
import { federationEventsV1 } from "@jinlian/proto";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { kafkaBrokers, uniqueNamespace, waitFor } from "../harness/kafka";

jest.setTimeout(180_000);

const INTERVAL = 1000;
/** A link is silent after three intervals without a heartbeat. */
const SILENT_SECONDS = (3 * INTERVAL) / 1000;
const HEPING = "120101";
const ns = uniqueNamespace("heartbeat");

interface LoggedNode {
  node: RunningNode;
  database: TestDatabase;
  /** Every log line of the node so far, parsed. */
  lines: Record<string, unknown>[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A port no broker answers on, held until `close`: every connection is dropped at once. A port
 * merely found free could be taken meanwhile by another test's server, whose answer kafkajs then
 * fails to decode (it did: a RangeError from its decoder, thrown in a socket handler).
 */
async function deadBrokerPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A node of one light service whose log lines the test reads back. */
async function startLoggedNode(
  code: string,
  options: { database?: TestDatabase; kafkaBrokers?: string[]; kafkaAttachWaitMs?: number } = {},
): Promise<LoggedNode> {
  const database = options.database ?? (await createTestDatabase(adminDatabaseUrl(), `hb${code}`));
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "info", destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  const node = await startNode({
    jurisdictionCode: code,
    target: "liaison",
    topicNamespace: ns,
    databaseUrl: database.url,
    kafkaBrokers: options.kafkaBrokers ?? kafkaBrokers(),
    grpcHost: "127.0.0.1",
    grpcPort: 0,
    logger,
    shutdownGraceMs: 1000,
    kafkaAttachWaitMs: options.kafkaAttachWaitMs,
    environment: { JINLIAN_FEDERATION_HEARTBEAT_MS: String(INTERVAL) },
  });
  return { node, database, lines };
}

const said = (n: LoggedNode, msg: string, peer?: string) => n.lines.filter((l) => l.msg === msg && (peer === undefined || l.peer === peer));
const SILENT = "federation link silent: no heartbeat from the peer";
const AGAIN = "federation link heard again";

let telemetry: Telemetry;
let metricsPort: number;
let city: LoggedNode;
let heping: LoggedNode | undefined;
let producer: Producer;

/** A gauge's value for a peer as Prometheus scrapes it, or undefined when not exported. */
async function gauge(name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  for (const line of text.split("\n"))
    if (line.startsWith(`${name}{`) && line.includes(labels)) return Number(line.slice(line.lastIndexOf(" ") + 1));
  return undefined;
}

/** A heartbeat as anyone able to write `topic` could send it. */
function crafted(topic: string, source: string, payload: federationEventsV1.HeartbeatSent) {
  const data = federationEventsV1.HeartbeatSent.encode(payload).finish();
  const headers = toKafkaHeaders({
    id: `${payload.instanceId}-${payload.sequence}`,
    source,
    type: "jinlian.federation.heartbeat.sent.v1",
    time: new Date(),
    subject: payload.fromJurisdictionCode,
    dataschema: "urn:jinlian:protobuf:jinlian.federation.events.v1.HeartbeatSent",
    data,
  });
  return { topic, messages: [{ key: payload.fromJurisdictionCode, value: Buffer.from(data), headers }] };
}

beforeAll(async () => {
  // Meters are taken when the nodes build their instruments: the exporter must exist first.
  metricsPort = await freePort();
  telemetry = startTelemetry({ serviceName: "heartbeat-test", metricsPort });
  // Started together; one that started is stopped in afterAll even if the other failed.
  const [c, h] = await Promise.allSettled([startLoggedNode(CITY_JURISDICTION), startLoggedNode(HEPING)]);
  if (c.status === "fulfilled") city = c.value;
  if (h.status === "fulfilled") heping = h.value;
  for (const r of [c, h]) if (r.status === "rejected") throw r.reason;
  producer = new Kafka({ brokers: kafkaBrokers(), clientId: "heartbeat-test", logLevel: logLevel.NOTHING }).producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  for (const n of [heping, city]) {
    await n?.node.stop();
    await n?.database.drop();
  }
  await telemetry?.shutdown();
});

it("lets each side learn of the other within a few intervals, and keeps hearing it", async () => {
  const watched = (n: LoggedNode, peer: string) => n.node.federation.links().get(peer)?.watched === true;
  await waitFor(async () => watched(city, HEPING) && watched(heping!, CITY_JURISDICTION), {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: "both nodes to read their federation links",
  });
  // Each sends every interval and reads from the latest offset: the next heartbeat is the first heard.
  const [atCity, atHeping] = await Promise.all([
    waitFor(async () => city.node.federation.lastHeard().get(HEPING), {
      timeoutMs: 5 * INTERVAL,
      intervalMs: 50,
      what: "120101 at the city",
    }),
    waitFor(async () => heping!.node.federation.lastHeard().get(CITY_JURISDICTION), {
      timeoutMs: 5 * INTERVAL,
      intervalMs: 50,
      what: "the city at 120101",
    }),
  ]);
  expect(atCity.intervalMs).toBe(INTERVAL);
  expect(atHeping.intervalMs).toBe(INTERVAL);

  // The city sends to every district, 120101 to the city only.
  // (Each link's send is confirmed on its own: on a busy broker some of the 16 confirm a little later.)
  await waitFor(async () => [...city.node.federation.links().values()].filter((l) => l.lastSent).length === 16, {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: "heartbeats sent to all 16 districts",
  });
  expect([...heping!.node.federation.links().keys()]).toEqual([CITY_JURISDICTION]);

  // Heard again and again, from the same process, in sequence, and the link is not silent.
  const later = await waitFor(
    async () => {
      const h = city.node.federation.lastHeard().get(HEPING);
      return h && h.sequence >= atCity.sequence + 3 ? h : undefined;
    },
    { timeoutMs: 10 * INTERVAL, intervalMs: 100, what: "three more heartbeats from 120101" },
  );
  expect(later.instanceId).toBe(atCity.instanceId);
  expect(later.sentAt.getTime()).toBeGreaterThan(atCity.sentAt.getTime());
  expect(city.node.federation.links().get(HEPING)?.silent).toBe(false);
  expect(heping!.node.federation.links().get(CITY_JURISDICTION)?.silent).toBe(false);

  const age = await gauge("jinlian_federation_heartbeat_age_seconds", `peer="${HEPING}"`);
  expect(age).toBeGreaterThanOrEqual(0);
  expect(age).toBeLessThan(SILENT_SECONDS);
  expect(await gauge("jinlian_federation_heartbeat_last_received_timestamp_seconds", `peer="${HEPING}"`)).toBeCloseTo(
    city.node.federation.lastHeard().get(HEPING)!.receivedAt.getTime() / 1000,
    -1,
  );
  expect(await gauge("jinlian_federation_link_silent", `peer="${HEPING}"`)).toBe(0);
  expect(await gauge("jinlian_federation_heartbeat_age_seconds", `peer="${CITY_JURISDICTION}"`)).toBeGreaterThanOrEqual(0);
});

it("ignores a heartbeat whose payload names another sender than its topic, and takes one that agrees", async () => {
  const inAnHour = new Date(Date.now() + 3_600_000);
  const before = city.node.federation.rejected().get("claims_other_node") ?? 0;
  // Written by whoever may write 120102's topic, claiming to be 120101.
  await producer.sendBatch({
    topicMessages: [
      crafted(deliveryTopic(ns, "federation", "120102", CITY_JURISDICTION), "/jinlian/120102/federation", {
        fromJurisdictionCode: HEPING,
        toJurisdictionCode: CITY_JURISDICTION,
        sendTime: inAnHour,
        instanceId: "forged",
        sequence: "1",
      }),
    ],
  });
  await waitFor(async () => (city.node.federation.rejected().get("claims_other_node") ?? 0) > before, {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: "the city to read the forged heartbeat",
  });
  const heard = city.node.federation.lastHeard();
  expect(heard.get(HEPING)?.instanceId).not.toBe("forged");
  expect(heard.get(HEPING)!.sentAt.getTime()).toBeLessThan(inAnHour.getTime());
  expect(heard.has("120102")).toBe(false);
  expect(said(city, "federation heartbeat ignored").at(-1)).toMatchObject({
    reason: "claims_other_node",
    topic: deliveryTopic(ns, "federation", "120102", CITY_JURISDICTION),
  });
  expect(await gauge("jinlian_federation_heartbeat_rejected_total", 'reason="claims_other_node"')).toBe(before + 1);

  // The control: the same message with the payload naming the topic's sender is taken.
  await producer.sendBatch({
    topicMessages: [
      crafted(deliveryTopic(ns, "federation", "120102", CITY_JURISDICTION), "/jinlian/120102/federation", {
        fromJurisdictionCode: "120102",
        toJurisdictionCode: CITY_JURISDICTION,
        sendTime: new Date(),
        instanceId: "test-120102",
        sequence: "1",
      }),
    ],
  });
  const from120102 = await waitFor(async () => city.node.federation.lastHeard().get("120102"), {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: "the city to take 120102's heartbeat",
  });
  expect(from120102.instanceId).toBe("test-120102");
});

it("after the district stops, the age of its last heartbeat grows and the link is found silent; it is heard again on its return", async () => {
  // Steady while both run: no silence of 120101 since the city last heard it (it may have been
  // silent before 120101 finished starting; then it was heard again).
  const silentBefore = said(city, SILENT, HEPING).length;
  expect(said(city, AGAIN, HEPING).length).toBe(silentBefore);

  const stopping = Date.now();
  await heping!.node.stop();
  const stoppedIn = Date.now() - stopping;
  expect(said(heping!, "stopped").map((l) => l.component)).toContain("federation-heartbeat");
  expect(stoppedIn).toBeLessThan(15_000);
  const database = heping!.database;
  heping = undefined;

  // One already on its way may still land; after that nothing changes.
  await new Promise((r) => setTimeout(r, INTERVAL));
  const last = city.node.federation.lastHeard().get(HEPING)!;
  const age1 = (await gauge("jinlian_federation_heartbeat_age_seconds", `peer="${HEPING}"`))!;
  await new Promise((r) => setTimeout(r, 2 * INTERVAL));
  const age2 = (await gauge("jinlian_federation_heartbeat_age_seconds", `peer="${HEPING}"`))!;
  expect(age2 - age1).toBeGreaterThanOrEqual((1.5 * INTERVAL) / 1000);
  expect(city.node.federation.lastHeard().get(HEPING)).toEqual(last);

  await waitFor(async () => city.node.federation.links().get(HEPING)?.silent, {
    timeoutMs: 10 * INTERVAL,
    intervalMs: 100,
    what: "the city to find the link to 120101 silent",
  });
  const silent = said(city, SILENT, HEPING);
  expect(silent).toHaveLength(silentBefore + 1);
  expect(silent.at(-1)).toMatchObject({ level: "warn", peer: HEPING, lastSentAt: last.sentAt.toISOString() });
  expect(silent.at(-1)!.quietMs).toBeGreaterThanOrEqual(SILENT_SECONDS * 1000);
  expect(await gauge("jinlian_federation_link_silent", `peer="${HEPING}"`)).toBe(1);

  heping = await startLoggedNode(HEPING, { database });
  await waitFor(async () => city.node.federation.links().get(HEPING)?.silent === false, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: "the city to hear 120101 again",
  });
  expect(said(city, AGAIN, HEPING).at(-1)).toMatchObject({ level: "info", peer: HEPING });
  expect(city.node.federation.lastHeard().get(HEPING)!.instanceId).not.toBe(last.instanceId);
  expect(await gauge("jinlian_federation_link_silent", `peer="${HEPING}"`)).toBe(0);
});

it("does not hold back a node's start when Kafka cannot be reached, and stops cleanly", async () => {
  const dead = await deadBrokerPort();
  const started = Date.now();
  const alone = await startLoggedNode("120102", { kafkaBrokers: [`127.0.0.1:${dead.port}`], kafkaAttachWaitMs: 500 });
  try {
    expect(Date.now() - started).toBeLessThan(30_000);
    expect([...alone.node.federation.links().values()]).toEqual([
      { peer: CITY_JURISDICTION, lastHeard: undefined, lastSent: undefined, watched: false, silent: false },
    ]);
  } finally {
    const stopping = Date.now();
    await alone.node.stop();
    expect(Date.now() - stopping).toBeLessThan(15_000);
    expect(said(alone, "stopped").map((l) => l.component)).toContain("federation-heartbeat");
    await alone.database.drop();
    await dead.close();
  }
});
