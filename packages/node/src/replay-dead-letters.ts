/**
 * Command: replays a service's dead letters at this node. Reads the node's configuration from the
 * environment (JINLIAN_JURISDICTION, DATABASE_URL, KAFKA_BROKERS, JINLIAN_TOPIC_NAMESPACE) like the
 * node itself.
 *
 *   node packages/node/dist/replay-dead-letters.js --service bulletins [--consumer deliveries]
 *     [--type <ce type>] [--key <aggregate id>] [--from <ISO time>] [--until <ISO time>]
 *     [--dry-run] [--actor <who>]
 *
 * Prints one JSON line per letter (its outcome) and a summary; exits 1 if a letter failed again.
 * Run it while the service's consumer at this node is stopped or quiet (docs/runbooks/operations.md).
 */
import { parseArgs } from "node:util";
import { ConfigError, createLogger, type DeadLetterFilter } from "@jinlian/chassis";
import { loadKafkaSecurity, loadNodeConfig } from "./config";
import { replayServiceDeadLetters } from "./replay";

export interface ReplayArguments {
  service: string;
  consumer?: string;
  filter: DeadLetterFilter;
  dryRun: boolean;
  actor: string;
}

/** The command line, checked: unknown flags and unreadable times are errors naming the flag. */
export function parseReplayArguments(argv: readonly string[]): ReplayArguments {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      service: { type: "string" },
      consumer: { type: "string" },
      type: { type: "string" },
      key: { type: "string" },
      from: { type: "string" },
      until: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      actor: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.service) throw new Error("--service is required (e.g. --service bulletins)");
  const time = (flag: string, v: string | undefined): Date | undefined => {
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new Error(`--${flag} must be an ISO 8601 time, got ${JSON.stringify(v)}`);
    return d;
  };
  const from = time("from", values.from);
  const until = time("until", values.until);
  if (from && until && until <= from) throw new Error("--until must be after --from");
  return {
    service: values.service,
    consumer: values.consumer,
    filter: { type: values.type, key: values.key, from, until },
    dryRun: values["dry-run"] ?? false,
    actor: values.actor ?? process.env.USER ?? "operator",
  };
}

async function main(): Promise<void> {
  let args: ReplayArguments;
  try {
    args = parseReplayArguments(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`replay-dead-letters: ${(err as Error).message}\n`);
    process.exit(64); // EX_USAGE
  }
  let config;
  let kafkaSecurity;
  try {
    config = loadNodeConfig({ ...process.env, JINLIAN_TARGET: args.service });
    kafkaSecurity = loadKafkaSecurity(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`replay-dead-letters: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger({
    level: config.LOG_LEVEL,
    base: { command: "replay-dead-letters", jurisdiction: config.JINLIAN_JURISDICTION },
  });
  const letters = await replayServiceDeadLetters({
    jurisdictionCode: config.JINLIAN_JURISDICTION,
    topicNamespace: config.JINLIAN_TOPIC_NAMESPACE,
    databaseUrl: config.DATABASE_URL,
    kafkaBrokers: config.KAFKA_BROKERS,
    kafkaSecurity,
    service: args.service,
    consumer: args.consumer,
    filter: args.filter,
    dryRun: args.dryRun,
    actor: args.actor,
    logger,
    environment: process.env,
  });
  for (const l of letters) process.stdout.write(`${JSON.stringify(l)}\n`);
  const counts: Record<string, number> = {};
  for (const l of letters) counts[l.outcome] = (counts[l.outcome] ?? 0) + 1;
  process.stdout.write(`${JSON.stringify({ letters: letters.length, dryRun: args.dryRun, outcomes: counts })}\n`);
  process.exit(letters.some((l) => l.outcome === "dead-lettered") ? 1 : 0);
}

if (require.main === module) void main();
