/**
 * What the outbox's wake-up costs the database: pgbench clients each committing one outbox row
 * per transaction, against
 *
 *   plain          the same insert into a copy of the outbox without its trigger: the floor.
 *   before 0011    a copy with the trigger as migration 0009 made it: a NOTIFY on every commit.
 *   relay resting  the chassis' outbox (its migrations as a node applies them), no relay awake:
 *                  every commit is announced (NOTIFY), as each one was before migration 0011.
 *   relay awake    the same with a session holding the relay's `awake` lock, as a relay does
 *                  while it keeps finding rows: commits are not announced.
 *
 * pgbench (PostgreSQL's client package) drives the database with little client CPU, so the
 * figures are the server's. A commit that NOTIFYs holds the notification queue's lock through its
 * WAL flush; that serialises such commits across the whole PostgreSQL cluster, and it shows as
 * clients are added. A diagnostic, not a scenario: no check, not in CI. The variants alternate,
 * ANNOUNCE_ROUNDS times for each client count (about 35 s a round per client count). Run by bench/commit-announce.sh.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDatabase, migrate, outboxRelayLocks } from "@jinlian/chassis";
import { Client } from "pg";
import { createThrowawayDatabase } from "../lib/database";

const ADMIN_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROUNDS = Number(process.env.ANNOUNCE_ROUNDS ?? 2);
const SECONDS = Number(process.env.ANNOUNCE_SECONDS ?? 8);
const CLIENTS = (process.env.ANNOUNCE_CLIENTS ?? "4,16").split(",").map(Number);
const SCHEMA = "announce";
const VARIANTS = ["plain", "before 0011", "relay resting", "relay awake"] as const;
const TABLE: Record<(typeof VARIANTS)[number], string> = {
  plain: "outbox_plain",
  "before 0011": "outbox_0009",
  "relay resting": "outbox",
  "relay awake": "outbox",
};

/** One outbox row as appendToOutbox writes it: a new event id, a 500-byte payload. */
function insertInto(table: string): string {
  return `insert into ${SCHEMA}.${table} (event_id, topic, message_key, event_type, headers, payload)
    values (gen_random_uuid(), 'bench.120000.bulletins.to.120101', 'bulletin-' || (random() * 1000)::int,
            'jinlian.bulletins.bulletin.published.v1', '{"ce_specversion": "1.0"}', convert_to(repeat('x', 500), 'UTF8'));\n`;
}

function pgbench(url: string, script: string, clients: number): number {
  const u = new URL(url);
  const run = spawnSync(
    "pgbench",
    [
      "-n",
      "-h",
      u.hostname,
      "-p",
      u.port || "5432",
      "-U",
      decodeURIComponent(u.username),
      "-c",
      String(clients),
      "-j",
      "2",
      "-T",
      String(SECONDS),
      "-f",
      script,
      u.pathname.slice(1),
    ],
    { encoding: "utf8" },
  );
  const tps = /^tps = ([\d.]+)/m.exec(run.stdout);
  if (run.status !== 0 || !tps) throw new Error(`pgbench failed (${run.status}): ${run.stderr || run.stdout}`);
  return Number(tps[1]);
}

async function main(): Promise<void> {
  if (spawnSync("pgbench", ["--version"]).status !== 0) {
    throw new Error("pgbench not found: it comes with PostgreSQL's client package (Debian: postgresql-client)");
  }
  const database = await createThrowawayDatabase(ADMIN_URL);
  const dir = mkdtempSync(path.join(tmpdir(), "jinlian-announce-"));
  const holder = new Client({ connectionString: database.url, application_name: "bench-announce-relay" });
  try {
    const db = createDatabase({ url: database.url, schema: SCHEMA, applicationName: "bench-announce" });
    await migrate(db, SCHEMA, []);
    await db.raw(`create table ${SCHEMA}.outbox_plain (like ${SCHEMA}.outbox including all)`);
    await db.raw(`create table ${SCHEMA}.outbox_0009 (like ${SCHEMA}.outbox including all)`);
    await db.raw(`create function ${SCHEMA}.announce_0009() returns trigger language plpgsql as $$
      begin perform pg_notify('jinlian_outbox_' || tg_table_schema, ''); return null; end $$`);
    await db.raw(
      `create trigger announce after insert on ${SCHEMA}.outbox_0009 for each statement execute function ${SCHEMA}.announce_0009()`,
    );
    await db.destroy();
    const script = (variant: (typeof VARIANTS)[number]) => path.join(dir, `${TABLE[variant]}.sql`);
    for (const v of VARIANTS) writeFileSync(script(v), insertInto(TABLE[v]));
    await holder.connect();
    await holder.query(`listen "jinlian_outbox_${SCHEMA}"`); // a relay listens, so announcements are delivered
    const awake = outboxRelayLocks(SCHEMA).awake;

    const tps = new Map<string, number[]>();
    for (const clients of CLIENTS) {
      for (let round = 0; round < ROUNDS; round++) {
        for (const variant of VARIANTS) {
          if (variant === "relay awake") await holder.query("select pg_advisory_lock(hashtextextended($1, 0))", [awake]);
          const t = pgbench(database.url, script(variant), clients);
          if (variant === "relay awake") await holder.query("select pg_advisory_unlock(hashtextextended($1, 0))", [awake]);
          const key = `${clients}\u0000${variant}`;
          tps.set(key, [...(tps.get(key) ?? []), t]);
          process.stderr.write(`[commit-announce] ${clients} clients, ${variant}: ${t.toFixed(0)} commits/s\n`);
          await holder.query(`vacuum ${SCHEMA}.${TABLE[variant]}`); // keep the rounds alike
        }
      }
    }
    console.log(`\ncommits/s, one outbox row per transaction; pgbench -T ${SECONDS}, ${ROUNDS} alternating rounds (each round's figure)\n`);
    console.log(["clients".padEnd(8), ...VARIANTS.map((v) => v.padStart(22)), "awake / resting (medians)".padStart(27)].join(" "));
    for (const clients of CLIENTS) {
      const of = (v: string) => tps.get(`${clients}\u0000${v}`) ?? [];
      const median = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
      };
      const cells = VARIANTS.map((v) =>
        of(v)
          .map((x) => x.toFixed(0))
          .join(" / ")
          .padStart(22),
      );
      const ratio = median(of("relay awake")) / median(of("relay resting"));
      console.log([String(clients).padEnd(8), ...cells, `${ratio.toFixed(2)}x`.padStart(27)].join(" "));
    }
  } finally {
    await holder.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
