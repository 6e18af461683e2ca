/**
 * The Kafka identities that k8s/ generates (tests/k8s/fleet.ts), proven against a real broker
 * instead of the offline matcher: a private broker from infra/kafka/kafka.sh with SCRAM-SHA-512 on
 * its client port and ACLs enforced (KAFKA_SASL_USERS), holding exactly the generated ACLs of
 * 和平区 (120101)'s liaison service and of the city's side of 120101's up link.
 *
 * A real node for 120101 running liaison logs in as the service's user: it creates its topics,
 * reads and writes what the catalogue gives it, and publishes up to the city. With the same
 * credentials a plain kafkajs client is refused another district's topics and the city's, and a
 * wrong password is refused while the node keeps serving and says Kafka is not attached.
 *
 * One broker stands for both clusters of the link: ACLs belong to principals, so the link user
 * (the city's cluster in production) and the service user (the district's) are checked apart.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { liaisonClient as sdkLiaisonClient, type LiaisonClient } from "@jinlian/client";
import { createLogger } from "@jinlian/chassis";
import { loadKafkaSecurity, loadNodeConfig, startNode, type RunningNode } from "@jinlian/node";
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  Kafka,
  logLevel,
  Partitioners,
  ResourcePatternTypes,
  type AclEntry,
  type LogEntry,
} from "kafkajs";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../harness/database";
import { uniqueNamespace, waitFor } from "../harness/kafka";
import {
  connectNames,
  linkAcls,
  linkUserName,
  serviceAcls,
  serviceUserName,
  type Acl,
  type Operation,
  type ResourceType,
} from "../k8s/fleet";
import { query } from "../support/db";
import { startDedicatedKafka, type DedicatedKafka } from "../support/dedicated-kafka";
import { healthCheck } from "../support/grpc-introspection";
import { registerMechanismParties } from "../support/liaison-fixtures";
import { describeNeedingJava } from "../support/requirements";
import { tempFile } from "../support/temp-files";

jest.setTimeout(240_000);

const SERVICE = "liaison";
const CITY = "120000";
const HEPING = "120101";
/** Another district (河东区): its topics are out of 和平区's reach. */
const HEDONG = "120102";
const ns = uniqueNamespace("kafka-acls");
const topic = (from: string, to: string, service = SERVICE) => `${ns}.${from}.${service}.to.${to}`;

const serviceUser = serviceUserName(SERVICE);
const linkUser = linkUserName("up", "city", HEPING);
const password = () => randomBytes(12).toString("hex");
const passwords = { admin: password(), [serviceUser]: password(), [linkUser]: password() };

// ---- the generated ACLs as kafkajs writes them ----

const RESOURCE: Record<ResourceType, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
  transactionalId: AclResourceTypes.TRANSACTIONAL_ID,
};
const OPERATION: Record<Operation, AclOperationTypes> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Delete: AclOperationTypes.DELETE,
  Alter: AclOperationTypes.ALTER,
  Describe: AclOperationTypes.DESCRIBE,
  ClusterAction: AclOperationTypes.CLUSTER_ACTION,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
  All: AclOperationTypes.ALL,
};

/** One Kafka ACL binding per operation of each rule, as Strimzi's User Operator creates them. */
function aclEntries(user: string, acls: readonly Acl[]): AclEntry[] {
  return acls.flatMap((acl) => {
    // Strimzi names the cluster resource kafka-cluster; every other rule names its resource.
    const name = acl.resource.type === "cluster" ? "kafka-cluster" : acl.resource.name;
    if (name === undefined) throw new Error(`a ${acl.resource.type} rule without a name: ${JSON.stringify(acl)}`);
    return acl.operations.map((operation) => ({
      resourceType: RESOURCE[acl.resource.type],
      resourceName: name,
      resourcePatternType: acl.resource.patternType === "prefix" ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      principal: `User:${user}`,
      host: acl.host ?? "*",
      operation: OPERATION[operation],
      permissionType: acl.type === "deny" ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
    }));
  });
}

const bindingKey = (e: AclEntry) =>
  [e.principal, e.resourceType, e.resourcePatternType, e.resourceName, e.operation, e.permissionType, e.host].join(" ");

// ---- clients ----

let broker: DedicatedKafka;

/** A kafkajs client logging in as `user`; `onLog` sees its debug log (where kafkajs leaves some errors). */
function client(user: string, secret: string, onLog?: (entry: LogEntry) => void): Kafka {
  return new Kafka({
    brokers: broker.brokers,
    clientId: `acl-test-${user}`,
    sasl: { mechanism: "scram-sha-512", username: user, password: secret },
    connectionTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 200 },
    logLevel: onLog ? logLevel.DEBUG : logLevel.NOTHING,
    ...(onLog ? { logCreator: () => onLog } : {}),
  });
}

/** The Kafka error codes (`type`) an error carries itself, as its cause, or among those it aggregates. */
function errorTypes(err: unknown): string[] {
  const out: string[] = [];
  const walk = (e: unknown) => {
    if (!e || typeof e !== "object") return;
    const { type, cause, errors } = e as { type?: unknown; cause?: unknown; errors?: unknown };
    if (typeof type === "string") out.push(type);
    walk(cause);
    if (Array.isArray(errors)) errors.forEach(walk);
  };
  walk(err);
  return out;
}

/** The error codes of a refused operation (its message when it carries none); fails if it was allowed. */
async function refused(operation: Promise<unknown>): Promise<string[]> {
  try {
    await operation;
  } catch (err) {
    const types = errorTypes(err);
    return types.length > 0 ? types : [`${(err as Error).name}: ${(err as Error).message}`];
  }
  throw new Error("expected Kafka to refuse the operation, but it was allowed");
}

async function produce(kafka: Kafka, to: string, value = "acl-test"): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic: to, messages: [{ key: "acl", value }] });
  } finally {
    await producer.disconnect();
  }
}

interface ReadRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** Reads `from` from its start in group `groupId` until `done` holds for what was read. */
async function readUntil(kafka: Kafka, groupId: string, from: string, done: (records: ReadRecord[]) => boolean, what: string) {
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [from], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        records.push({ key: String(message.key), value: message.value ?? Buffer.alloc(0), headers });
      },
    });
    return await waitFor(async () => done(records) && records, { timeoutMs: 60_000, intervalMs: 250, what });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Whether `user` may join consumer group `groupId` reading `from`: resolves once joined, or with
 * the error codes that refused it. kafkajs reports a refused group only as "Failed to find group
 * coordinator" (it swallows FindCoordinator's error), so the codes come from its debug log.
 */
async function joinGroup(user: string, groupId: string, from: string): Promise<"joined" | string[]> {
  const logged: string[] = [];
  const kafka = client(user, passwords[user]!, ({ log }) => logged.push(...errorTypes(log.error)));
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 0, restartOnFailure: async () => false } });
  await consumer.connect();
  try {
    const outcome = new Promise<"joined" | string[]>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve("joined"));
      consumer.on(consumer.events.CRASH, ({ payload }) => resolve([...errorTypes(payload.error), ...logged]));
    });
    await consumer.subscribe({ topics: [from], fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    return await outcome;
  } finally {
    await consumer.disconnect();
  }
}

// ---- the node ----

interface LoggedNode {
  node: RunningNode;
  database: TestDatabase;
  liaison: LiaisonClient;
  address: string;
  lines: Record<string, unknown>[];
}

/** A password file as a Kubernetes Secret mounts it (with a trailing newline). */
function passwordFile(secret: string): string {
  return tempFile("jinlian-sasl-", "password", `${secret}\n`);
}

/** 和平区's node running liaison alone, logging in to the broker as the liaison user with `secret`. */
async function startHeping(secret: string, kafkaAttachWaitMs: number): Promise<LoggedNode> {
  const database = await createTestDatabase(adminDatabaseUrl(), "acl");
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "info", destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  try {
    const node = await startNode({
      jurisdictionCode: HEPING,
      target: SERVICE,
      topicNamespace: ns,
      databaseUrl: database.url,
      kafkaBrokers: broker.brokers,
      // As the node's entrypoint reads them: the variables, the password from its file.
      kafkaSecurity: loadKafkaSecurity(
        loadNodeConfig({
          JINLIAN_JURISDICTION: HEPING,
          JINLIAN_TARGET: SERVICE,
          DATABASE_URL: database.url,
          KAFKA_BROKERS: broker.brokers.join(","),
          KAFKA_SASL_MECHANISM: "scram-sha-512",
          KAFKA_SASL_USERNAME: serviceUser,
          KAFKA_SASL_PASSWORD_FILE: passwordFile(secret),
        }),
      ),
      grpcHost: "127.0.0.1",
      grpcPort: 0,
      logger,
      shutdownGraceMs: 1000,
      kafkaAttachWaitMs,
      environment: { JINLIAN_FEDERATION_HEARTBEAT_MS: "1000" },
    });
    const address = `127.0.0.1:${node.grpcPort}`;
    return { node, database, address, liaison: sdkLiaisonClient({ address, actor: "acl-test", deadlineMs: 15_000 }), lines };
  } catch (err) {
    await database.drop();
    throw err;
  }
}

async function stopNode(n: LoggedNode | undefined): Promise<void> {
  if (!n) return;
  n.liaison.close();
  await n.node.stop();
  await n.database.drop();
}

/** The broker's log lines of requests by `user` that the authorizer denied. */
const denials = (user: string) =>
  readFileSync(broker.logFile, "utf8")
    .split("\n")
    .filter((line) => line.includes(`Principal = User:${user} is Denied`));

const warnings = (n: LoggedNode) => n.lines.filter((l) => ["warn", "error", "fatal"].includes(String(l.level)));

describeNeedingJava("the generated Kafka ACLs on a broker that enforces them", () => {
  let admin: Kafka;
  let heping: LoggedNode | undefined;
  let wrongPassword: LoggedNode | undefined;

  beforeAll(async () => {
    broker = await startDedicatedKafka({ saslUsers: passwords });
    admin = client("admin", passwords.admin);
    const a = admin.admin();
    await a.connect();
    try {
      await a.createAcls({
        acl: [...aclEntries(serviceUser, serviceAcls(ns, HEPING, SERVICE)), ...aclEntries(linkUser, linkAcls(ns, HEPING, "up", "city"))],
      });
      // Topics of other nodes, so that a refusal below is the ACLs' doing, not a missing topic.
      await a.createTopics({
        topics: [topic(HEDONG, CITY), topic(CITY, HEDONG)].map((t) => ({ topic: t, numPartitions: 1 })),
      });
    } finally {
      await a.disconnect();
    }
  });

  afterAll(async () => {
    await stopNode(wrongPassword);
    await stopNode(heping);
    await broker?.destroy();
  });

  it("holds exactly the generated ACLs of both users", async () => {
    const a = admin.admin();
    await a.connect();
    try {
      for (const [user, acls] of [
        [serviceUser, serviceAcls(ns, HEPING, SERVICE)],
        [linkUser, linkAcls(ns, HEPING, "up", "city")],
      ] as const) {
        const { resources } = await a.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal: `User:${user}`,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
        const held = resources.flatMap((r) => r.acls.map((acl) => bindingKey({ ...r, ...acl })));
        const wanted = aclEntries(user, acls).map(bindingKey);
        expect(wanted.length).toBeGreaterThan(0);
        expect(held.sort()).toEqual(wanted.sort());
      }
    } finally {
      await a.disconnect();
    }
  });

  it("lets 和平区's liaison node attach as its user, create its topics, consume, and publish up to the city", async () => {
    heping = await startHeping(passwords[serviceUser]!, 60_000);
    const n = heping;
    await waitFor(async () => (await healthCheck(n.address, "jinlian.node.Kafka")) === "SERVING", {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: "the node to attach to Kafka as its service user",
    });
    expect(await healthCheck(n.address, "jinlian.node.Consumers")).toBe("SERVING");

    // Every topic it may create exists: it created them itself (the admin made none of them). The
    // heartbeats create theirs on their own once the node is attached, hence the wait.
    const own = serviceAcls(ns, HEPING, SERVICE).flatMap((acl) =>
      acl.resource.type === "topic" && acl.operations.includes("Create") ? [acl.resource.name!] : [],
    );
    expect(own.length).toBeGreaterThan(0);
    const a = admin.admin();
    await a.connect();
    try {
      await waitFor(
        async () => {
          const existing = new Set(await a.listTopics());
          return own.every((t) => existing.has(t));
        },
        { timeoutMs: 30_000, intervalMs: 250, what: `the node's topics: ${own.join(", ")}` },
      );
    } finally {
      await a.disconnect();
    }

    // A mechanism proposed at the district is reported up: the relay writes its delivery topic to the city.
    const { bureau, federation } = await registerMechanismParties(n.liaison, HEPING);
    const { mechanism } = await n.liaison.mechanisms.proposeMechanism({
      justiceBureau: {
        organisationId: bureau.organisation.organisationId,
        departmentId: bureau.department("法治调研处"),
        organisation: undefined,
        departmentName: "",
      },
      federation: {
        organisationId: federation.organisation.organisationId,
        departmentId: federation.department("法律服务部"),
        organisation: undefined,
        departmentName: "",
      },
      reason: "ACL test",
    });
    await readUntil(
      admin,
      `acl-test-${randomUUID()}`,
      topic(HEPING, CITY),
      (records) => records.some((r) => r.headers.ce_type === "jinlian.liaison.mechanism.reported.v1" && r.key === HEPING),
      `the report of mechanism ${mechanism!.mechanismId} on ${topic(HEPING, CITY)}`,
    );
    // The node's own heartbeats go up too (the node parts' rights come with every service user).
    await readUntil(
      admin,
      `acl-test-${randomUUID()}`,
      topic(HEPING, CITY, "federation"),
      (records) => records.some((r) => r.headers.ce_type === "jinlian.federation.heartbeat.sent.v1"),
      "a heartbeat from 和平区 to the city",
    );

    // Something unreadable arrives on its delivery topic (as MirrorMaker would copy it): its
    // consumer reads it in its group and dead-letters it, and the replay's groups read it back.
    const junk = `junk-${randomUUID()}`;
    await produce(admin, topic(CITY, HEPING), junk);
    const letters = await readUntil(
      client(serviceUser, passwords[serviceUser]!),
      `jinlian-replay-${randomUUID()}`,
      `${ns}.${HEPING}.${SERVICE}.dlq`,
      (records) => records.some((r) => r.value.toString() === junk),
      "the dead letter of the unreadable delivery",
    );
    expect(letters.find((r) => r.value.toString() === junk)!.headers.jinlian_dlq_reason).toBe("MALFORMED");

    // Nothing it did was refused along the way: not in its log, nor in the broker's authorizer log,
    // which also has what kafkajs retries or swallows (e.g. the consumers' lag queries).
    expect(warnings(n).filter((l) => /authoriz/i.test(JSON.stringify(l)))).toEqual([]);
    expect(denials(serviceUser)).toEqual([]);
    expect(await healthCheck(n.address, "jinlian.node.Consumers")).toBe("SERVING");
  });

  it("refuses the liaison user other districts' topics and the city's, and its own topics' deletion", async () => {
    const liaisonUser = client(serviceUser, passwords[serviceUser]!);
    // Its own: it writes its delivery up, and reads the city's delivery to it.
    await produce(liaisonUser, topic(HEPING, CITY));
    await produce(admin, topic(CITY, HEPING));
    await readUntil(
      liaisonUser,
      `jinlian-replay-${randomUUID()}`,
      topic(CITY, HEPING),
      (r) => r.length > 0,
      "the city's delivery to 和平区",
    );

    // Another district's delivery up, and the city's delivery down (MirrorMaker's to write).
    expect(await refused(produce(liaisonUser, topic(HEDONG, CITY)))).toContain("TOPIC_AUTHORIZATION_FAILED");
    expect(await refused(produce(liaisonUser, topic(CITY, HEPING)))).toContain("TOPIC_AUTHORIZATION_FAILED");
    // Another district's delivery from the city, in a group it may use.
    expect(
      await refused(
        readUntil(liaisonUser, `jinlian-replay-${randomUUID()}`, topic(CITY, HEDONG), (r) => r.length > 0, "河东区's delivery"),
      ),
    ).toContain("TOPIC_AUTHORIZATION_FAILED");
    // Its own delivery topic, but in another district's consumer group.
    expect(await joinGroup(serviceUser, `${ns}.${HEDONG}.${SERVICE}.deliveries`, topic(CITY, HEPING))).toContain(
      "GROUP_AUTHORIZATION_FAILED",
    );
    // And its own group does take it in (the control for the line above).
    expect(await joinGroup(serviceUser, `jinlian-replay-${randomUUID()}`, topic(CITY, HEPING))).toBe("joined");

    // It may create its own topics, never delete them.
    const a = liaisonUser.admin();
    await a.connect();
    try {
      expect(await refused(a.deleteTopics({ topics: [topic(HEPING, CITY)], timeout: 5000 }))).toContain("TOPIC_AUTHORIZATION_FAILED");
      expect(await refused(a.createTopics({ topics: [{ topic: topic(HEDONG, HEPING), numPartitions: 1 }] }))).toContain(
        "TOPIC_AUTHORIZATION_FAILED",
      );
    } finally {
      await a.disconnect();
    }
    // The broker logged that refusal: the check of the node's run above sees denials when there are any.
    expect(
      denials(serviceUser).filter((l) => l.includes("operation = DELETE") && l.includes(`Topic:LITERAL:${topic(HEPING, CITY)}`)),
    ).toHaveLength(1);
  });

  it("lets the city's side of 和平区's up link write only 和平区's deliveries and its own Connect group and topics", async () => {
    const link = client(linkUser, passwords[linkUser]!);
    const own = connectNames("up", HEPING);
    const hedongs = connectNames("up", HEDONG);

    await produce(link, topic(HEPING, CITY));
    expect(await refused(produce(link, topic(HEDONG, CITY)))).toContain("TOPIC_AUTHORIZATION_FAILED");
    expect(await refused(produce(link, topic(CITY, HEPING)))).toContain("TOPIC_AUTHORIZATION_FAILED");

    const a = link.admin();
    await a.connect();
    try {
      await a.createTopics({ topics: [{ topic: own.offsetStorageTopic, numPartitions: 1 }] });
      expect(await refused(a.createTopics({ topics: [{ topic: hedongs.offsetStorageTopic, numPartitions: 1 }] }))).toContain(
        "TOPIC_AUTHORIZATION_FAILED",
      );
      // MirrorMaker reads a mirrored topic's configuration to keep it in step.
      const { resources } = await a.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic(HEPING, CITY) }],
        includeSynonyms: false,
      });
      expect(resources[0]!.errorCode).toBe(0);
    } finally {
      await a.disconnect();
    }
    // Kafka Connect's worker group of this link, not another link's.
    expect(await joinGroup(linkUser, own.groupId, own.offsetStorageTopic)).toBe("joined");
    expect(await joinGroup(linkUser, hedongs.groupId, own.offsetStorageTopic)).toContain("GROUP_AUTHORIZATION_FAILED");
  });

  it("refuses a wrong password, and a node given one keeps serving and reports Kafka NOT_SERVING", async () => {
    expect(await refused(produce(client(serviceUser, "not-the-password"), topic(HEPING, CITY)))).toEqual([
      expect.stringMatching(/^KafkaJSSASLAuthenticationError: .*authentication failed/i),
    ]);

    wrongPassword = await startHeping("not-the-password", 2000);
    const n = wrongPassword;
    expect(await healthCheck(n.address, "")).toBe("SERVING");
    expect(await healthCheck(n.address, "jinlian.node.Kafka")).toBe("NOT_SERVING");
    // It keeps trying, and says why.
    const failures = await waitFor(
      async () => {
        const f = n.lines.filter((l) => l.msg === "Kafka attach failed; will retry");
        return f.length >= 2 && f;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: "two failed attempts to attach" },
    );
    for (const f of failures) expect(String(f.err)).toMatch(/authentication failed/i);
    // Calls are served meanwhile; their events wait in the outbox.
    await registerMechanismParties(n.liaison, HEPING);
    const pending = await query<{ n: string }>(n.database.url, "select count(*) as n from liaison.outbox where published_at is null");
    expect(Number(pending[0]!.n)).toBeGreaterThan(0);
    expect(await healthCheck(n.address, "jinlian.node.Kafka")).toBe("NOT_SERVING");
  });
});
