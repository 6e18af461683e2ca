// The test environment of the int and e2e projects: Node's, plus one duty when a test file is
// done (after its own afterAll hooks, so its nodes have stopped): the topics of the namespaces it
// drew from uniqueNamespace() are deleted from the run's shared broker. Without this a full run
// leaves thousands of topics on one small broker, whose metadata and leader elections then slow
// every later file; the cleanup keeps the broker as light at the end of a run as at its start.
const { TestEnvironment } = require("jest-environment-node");
const { Kafka, logLevel } = require("kafkajs");

class JinlianTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__jinlianNamespaces = [];
    // Federations the file's test nodes joined in the federated mode (tests/support/federation.ts).
    this.global.__jinlianFederations = [];
  }

  async teardown() {
    for (const federation of this.global.__jinlianFederations ?? []) {
      await federation.destroy().catch((err) => process.stderr.write(`[test cleanup] a federation did not stop: ${err.message}\n`));
    }
    const namespaces = this.global.__jinlianNamespaces ?? [];
    const brokers = (process.env.KAFKA_BROKERS ?? "")
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean);
    if (namespaces.length > 0 && brokers.length > 0) await deleteNamespaceTopics(brokers, namespaces);
    await super.teardown();
  }
}

async function deleteNamespaceTopics(brokers, namespaces) {
  const admin = new Kafka({ brokers, clientId: "jinlian-test-cleanup", logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => namespaces.some((ns) => t.startsWith(`${ns}.`)));
    for (let i = 0; i < topics.length; i += 100) await admin.deleteTopics({ topics: topics.slice(i, i + 100), timeout: 15000 });
  } catch (err) {
    // A broker a test stopped, or one that is slow: the topics stay, which costs speed, not correctness.
    process.stderr.write(`[test cleanup] could not delete the topics of ${namespaces.join(", ")}: ${err.message}\n`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

module.exports = JinlianTestEnvironment;
