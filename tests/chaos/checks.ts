/**
 * After the faults: wait (bounded) until the nodes are quiet, then check that every intended
 * effect is present exactly once at every node it was meant for, that each aggregate's versions
 * arrived gapless and in order, and that nothing is left parked, held or dead-lettered.
 */
import { parseDeliveryTopic } from "@jinlian/subscriber";
import type { Admin, Kafka } from "kafkajs";
import { query } from "../support/db";
import { consumerLag, outboxSchemas, pendingOutbox } from "./faults";
import type { NodeProcess } from "./processes";
import type { ActivityPlan, BulletinPlan } from "./workload";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Finding {
  /** LOSS, DUPLICATE, ORDER, STUCK (parked, held, dead-lettered, not drained) or DIVERGED. */
  kind: "LOSS" | "DUPLICATE" | "ORDER" | "STUCK" | "DIVERGED";
  what: string;
}

export interface Counts {
  /** Outbox rows published, by node: to delivery topics and to the node's own streams. */
  sent: Record<string, { delivery: number; local: number }>;
  /** Inbox rows (events applied once), by node. */
  applied: Record<string, number>;
  /** Copies on delivery topics beyond the first of each event (relay re-sends after a kill). */
  wireDuplicates: number;
  /** Delivery-topic messages read back. */
  deliveryMessages: number;
  parkedNow: number;
  heldNow: number;
  deadLettered: number;
}

/** Waits until outboxes are drained, consumer groups caught up and nothing is held (bounded). */
export async function quiesce(nodes: NodeProcess[], admin: Admin, namespace: string, timeoutMs: number, log: (l: string) => void) {
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  let last = "";
  while (Date.now() < deadline) {
    const states = [];
    for (const n of nodes) {
      const [pending, lag, held] = [await pendingOutbox(n), await consumerLag(admin, namespace, n), await heldRows(n)];
      states.push({ code: n.code, pending, lag, held });
    }
    last = states.map((s) => `${s.code}: outbox ${s.pending ?? "?"} lag ${s.lag ?? "?"} held ${s.held ?? "?"}`).join("; ");
    const quiet = states.every((s) => s.pending === 0 && s.lag === 0 && s.held === 0);
    quietRounds = quiet ? quietRounds + 1 : 0;
    // Quiet twice in a row, a couple of seconds apart: a receipt sent back by a handler has had
    // time to reach the other side's outbox and relay.
    if (quietRounds >= 3) {
      log(`quiescent: ${last}`);
      return true;
    }
    await sleep(1_000);
  }
  log(`not quiescent after ${timeoutMs} ms: ${last}`);
  return false;
}

async function heldRows(n: NodeProcess): Promise<number | undefined> {
  try {
    const schemas = await outboxSchemas(n.databaseUrl);
    const rows = await query<{ n: number }>(
      n.databaseUrl,
      schemas.map((s) => `select count(*)::int as n from "${s}".inbox_held`).join(" union all "),
    );
    return rows.reduce((a, r) => a + r.n, 0);
  } catch {
    return undefined;
  }
}

type Row = Record<string, unknown>;
const key = (r: Row, cols: string[]) => cols.map((c) => String(r[c])).join("|");

/** Every bulletin the issuer holds, as its recipient node must hold it, and every receipt once at the issuer. */
async function checkBulletins(plans: BulletinPlan[], byCode: Map<string, NodeProcess>, unknownCreations: number, findings: Finding[]) {
  for (const plan of plans) {
    const issuer = byCode.get(plan.issuer)!;
    const receiver = byCode.get(plan.receiver)!;
    const at = (n: NodeProcess) =>
      Promise.all([
        query<Row>(n.databaseUrl, "select origin, status, title, current_version from bulletins.bulletins where bulletin_id = $1", [
          plan.id,
        ]),
        query<Row>(n.databaseUrl, "select version, change from bulletins.bulletin_versions where bulletin_id = $1 order by version", [
          plan.id,
        ]),
        query<Row>(
          n.databaseUrl,
          "select recipient_key, party, version, request_id from bulletins.bulletin_receipts where bulletin_id = $1",
          [plan.id],
        ),
        query<Row>(
          n.databaseUrl,
          "select action, revision from bulletins.audit_entries where aggregate_id = $1 order by occurred_at, revision",
          [plan.id],
        ),
      ]);
    const name = `bulletin ${plan.id} (${plan.direction}, ${plan.issuer}→${plan.receiver})`;
    const [[iRow], iVersions, iReceipts, iAudit] = await at(issuer);
    const [[rRow], rVersions, rReceipts, rAudit] = await at(receiver);
    if (!iRow) {
      findings.push({ kind: "LOSS", what: `${name}: the issuer answered for it but does not hold it` });
      continue;
    }
    const versions = (rows: Row[]) => rows.map((v) => `${v.version}:${v.change}`).join(",");
    // The issuer's versions are what its answers said: a change applied twice under one request id
    // would show as an extra version.
    if (!plan.incomplete && versions(iVersions) !== plan.versions.map((v) => `${v.version}:${v.change}`).join(","))
      findings.push({
        kind: "DUPLICATE",
        what: `${name}: issuer versions ${versions(iVersions)} but its answers were ${plan.versions.map((v) => `${v.version}:${v.change}`).join(",")}`,
      });
    if (iRow.status === "DRAFT") {
      if (rRow) findings.push({ kind: "DIVERGED", what: `${name}: a draft at the issuer, yet held at ${plan.receiver}` });
      continue;
    }
    if (!rRow) {
      findings.push({ kind: "LOSS", what: `${name}: published (v${iRow.current_version}) but never reached ${plan.receiver}` });
      continue;
    }
    const gapless = rVersions.every((v, i) => Number(v.version) === i + 1);
    if (!gapless) findings.push({ kind: "ORDER", what: `${name}: versions at ${plan.receiver} not gapless: ${versions(rVersions)}` });
    if (versions(rVersions) !== versions(iVersions))
      findings.push({
        kind: Number(rRow.current_version) < Number(iRow.current_version) ? "LOSS" : "DIVERGED",
        what: `${name}: versions at ${plan.receiver} ${versions(rVersions)}, at the issuer ${versions(iVersions)}`,
      });
    if (rRow.current_version !== iRow.current_version || rRow.status !== iRow.status || rRow.title !== iRow.title)
      findings.push({
        kind: "DIVERGED",
        what: `${name}: ${plan.receiver} holds v${rRow.current_version} ${rRow.status} "${rRow.title}", the issuer v${iRow.current_version} ${iRow.status} "${iRow.title}"`,
      });
    // Each delivered version applied once, in version order, at the recipient node.
    const applied = rAudit.filter((a) => ["BulletinReceived", "BulletinCorrected", "BulletinRecalled"].includes(String(a.action)));
    const expected = iVersions.map(
      (v) =>
        ({ ORIGINAL: "BulletinReceived", CORRECTION: "BulletinCorrected", RECALL: "BulletinRecalled" })[String(v.change) as "ORIGINAL"],
    );
    if (applied.map((a) => a.action).join(",") !== expected.join(","))
      findings.push({
        kind: applied.length > expected.length ? "DUPLICATE" : "ORDER",
        what: `${name}: applied at ${plan.receiver} as ${applied.map((a) => a.action).join(",")}, expected ${expected.join(",")}`,
      });
    // Receipts: each acknowledgement once where it was made, and once at the issuer.
    for (const ack of plan.acks) {
      const here = rReceipts.filter((r) => r.request_id === ack.requestId);
      if (here.length !== 1)
        findings.push({
          kind: here.length === 0 ? "LOSS" : "DUPLICATE",
          what: `${name}: acknowledgement ${ack.requestId} (${ack.party} v${ack.version}) recorded ${here.length} times at ${plan.receiver}`,
        });
    }
    const cols = ["recipient_key", "party", "version", "request_id"];
    const tally = (rows: Row[]) => rows.reduce((m, r) => m.set(key(r, cols), (m.get(key(r, cols)) ?? 0) + 1), new Map<string, number>());
    const [there, back] = [tally(rReceipts), tally(iReceipts)];
    for (const [k, n] of there)
      if ((back.get(k) ?? 0) !== n)
        findings.push({
          kind: (back.get(k) ?? 0) < n ? "LOSS" : "DUPLICATE",
          what: `${name}: receipt ${k} ${n}× at ${plan.receiver}, ${back.get(k) ?? 0}× at the issuer`,
        });
    for (const [k, n] of back)
      if (!there.has(k)) findings.push({ kind: "DUPLICATE", what: `${name}: receipt ${k} ${n}× at the issuer, none at ${plan.receiver}` });
    const ackAudits = iAudit.filter((a) => a.action === "BulletinAcknowledged").length;
    if (ackAudits !== iReceipts.length)
      findings.push({ kind: "DUPLICATE", what: `${name}: ${ackAudits} receipts applied at the issuer for ${iReceipts.length} receipts` });
  }
  // Nothing issued that no answer explains (a creation applied twice under one request id).
  for (const code of new Set(plans.map((p) => p.issuer))) {
    const n = byCode.get(code)!;
    const [{ c }] = (await query<{ c: number }>(
      n.databaseUrl,
      "select count(*)::int as c from bulletins.bulletins where origin = 'ISSUED'",
    )) as [{ c: number }];
    const planned = plans.filter((p) => p.issuer === code).length;
    if (c > planned + unknownCreations || c < planned)
      findings.push({ kind: c < planned ? "LOSS" : "DUPLICATE", what: `node ${code}: ${c} bulletins issued for ${planned} created` });
  }
}

/** Every activity the district holds, at the city once at the same revision. */
async function checkActivities(
  plans: ActivityPlan[],
  campaignId: string,
  district: NodeProcess,
  city: NodeProcess,
  unknown: number,
  findings: Finding[],
) {
  if (!campaignId) return;
  const rows = (n: NodeProcess) =>
    query<Row>(
      n.databaseUrl,
      `select activity_id, revision, withdrawn, title, audience_reached::text as audience,
              (select string_agg(revision::text, ',' order by revision) from liaison.campaign_activity_versions v where v.activity_id = a.activity_id) as history
         from liaison.campaign_activities a where campaign_id = $1 and jurisdiction_code = '120101'`,
      [campaignId],
    );
  const [atDistrict, atCity] = [await rows(district), await rows(city)];
  const byId = (rs: Row[]) => new Map(rs.map((r) => [String(r.activity_id), r]));
  const [d, c] = [byId(atDistrict), byId(atCity)];
  for (const plan of plans) {
    const here = d.get(plan.id);
    const name = `activity ${plan.id}`;
    if (!here) {
      findings.push({ kind: "LOSS", what: `${name}: reported at 120101 but not held there` });
      continue;
    }
    if (!plan.incomplete && (Number(here.revision) !== plan.revision || here.withdrawn !== plan.withdrawn))
      findings.push({
        kind: "DUPLICATE",
        what: `${name}: 120101 holds revision ${here.revision}${here.withdrawn ? " withdrawn" : ""}, its answers said ${plan.revision}${plan.withdrawn ? " withdrawn" : ""}`,
      });
    const there = c.get(plan.id);
    if (!there) {
      findings.push({ kind: "LOSS", what: `${name}: never reached the city` });
      continue;
    }
    for (const col of ["revision", "withdrawn", "title", "audience", "history"])
      if (String(there[col]) !== String(here[col]))
        findings.push({
          kind: Number(there.revision) < Number(here.revision) ? "LOSS" : "DIVERGED",
          what: `${name}: ${col} at the city ${String(there[col])}, at 120101 ${String(here[col])}`,
        });
  }
  for (const id of c.keys()) if (!d.has(id)) findings.push({ kind: "DUPLICATE", what: `activity ${id}: at the city, not at 120101` });
  if (atDistrict.length > plans.length + unknown || atDistrict.length < plans.length)
    findings.push({
      kind: atDistrict.length < plans.length ? "LOSS" : "DUPLICATE",
      what: `120101 holds ${atDistrict.length} activities for ${plans.length} reported`,
    });
}

interface TopicMessage {
  topic: string;
  id: string;
  type: string;
  headers: Record<string, string>;
}

/** Reads every message of the given topics from the beginning to their current end. */
export async function readTopics(kafka: Kafka, admin: Admin, topics: string[], timeoutMs = 120_000): Promise<TopicMessage[]> {
  const ends = new Map<string, number>();
  for (const t of topics)
    for (const p of await admin.fetchTopicOffsets(t)) if (Number(p.high) > Number(p.low)) ends.set(`${t}:${p.partition}`, Number(p.high));
  if (ends.size === 0) return [];
  const out: TopicMessage[] = [];
  const consumer = kafka.consumer({ groupId: `chaos-reader-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topics.length} topics took over ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          out.push({ topic, id: headers.ce_id ?? "", type: headers.ce_type ?? "", headers });
          const k = `${topic}:${partition}`;
          if (Number(message.offset) + 1 >= (ends.get(k) ?? 0)) ends.delete(k);
          if (ends.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/**
 * Per event: every outbox row published reached its topic, every event on a delivery topic is in
 * the receiving node's inbox once; outboxes drained and unparked; nothing held; no dead letters.
 */
async function checkEvents(nodes: NodeProcess[], kafka: Kafka, admin: Admin, namespace: string, findings: Finding[]): Promise<Counts> {
  const counts: Counts = { sent: {}, applied: {}, wireDuplicates: 0, deliveryMessages: 0, parkedNow: 0, heldNow: 0, deadLettered: 0 };
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`));
  const delivery = topics.filter((t) => parseDeliveryTopic(t, namespace));
  const messages = await readTopics(kafka, admin, delivery);
  counts.deliveryMessages = messages.length;
  const onTopic = new Map<string, Map<string, number>>();
  for (const m of messages) {
    const ids = onTopic.get(m.topic) ?? new Map<string, number>();
    ids.set(m.id, (ids.get(m.id) ?? 0) + 1);
    onTopic.set(m.topic, ids);
  }
  for (const ids of onTopic.values()) for (const n of ids.values()) counts.wireDuplicates += n - 1;

  for (const node of nodes) {
    counts.sent[node.code] = { delivery: 0, local: 0 };
    counts.applied[node.code] = 0;
    for (const schema of await outboxSchemas(node.databaseUrl)) {
      const outbox = await query<Row>(
        node.databaseUrl,
        `select event_id::text, topic, event_type, published_at is not null as published, parked_at is not null as parked, parked_reason from "${schema}".outbox`,
      );
      for (const r of outbox) {
        const topic = String(r.topic);
        const isDelivery = parseDeliveryTopic(topic, namespace) !== undefined;
        if (r.published) counts.sent[node.code]![isDelivery ? "delivery" : "local"]++;
        if (r.parked) {
          counts.parkedNow++;
          findings.push({
            kind: "STUCK",
            what: `node ${node.code} ${schema}: outbox row ${r.event_id} (${r.event_type}) parked: ${r.parked_reason}`,
          });
        } else if (!r.published)
          findings.push({ kind: "STUCK", what: `node ${node.code} ${schema}: outbox row ${r.event_id} (${r.event_type}) never published` });
        else if (isDelivery && !onTopic.get(topic)?.has(String(r.event_id)))
          findings.push({
            kind: "LOSS",
            what: `node ${node.code} ${schema}: outbox row ${r.event_id} (${r.event_type}) marked published but not on ${topic}`,
          });
      }
      const inbox = await query<Row>(node.databaseUrl, `select event_source, event_id from "${schema}".inbox`);
      counts.applied[node.code]! += inbox.length;
      const seen = new Set(inbox.map((r) => `${r.event_source}|${r.event_id}`));
      // Deliveries to this node for this service: each event applied here (in the inbox) once.
      for (const topic of delivery) {
        const parsed = parseDeliveryTopic(topic, namespace)!;
        if (parsed.to !== node.code || parsed.service.replace(/-/g, "_") !== schema) continue;
        for (const m of messages.filter((x) => x.topic === topic)) {
          const source = m.headers.ce_source ?? "";
          if (!seen.has(`${source}|${m.id}`))
            findings.push({ kind: "LOSS", what: `node ${node.code}: ${m.type} ${m.id} on ${topic} never applied` });
        }
      }
      const held = await query<Row>(node.databaseUrl, `select event_type, event_id, reason from "${schema}".inbox_held`);
      counts.heldNow += held.length;
      for (const h of held)
        findings.push({ kind: "STUCK", what: `node ${node.code} ${schema}: ${h.event_type} ${h.event_id} still held (${h.reason})` });
    }
  }
  const dlq = topics.filter((t) => t.endsWith(".dlq"));
  for (const m of await readTopics(kafka, admin, dlq)) {
    counts.deadLettered++;
    findings.push({
      kind: "STUCK",
      what: `dead letter on ${m.topic}: ${m.type} ${m.id}: ${m.headers.jinlian_dlq_reason} ${m.headers.jinlian_dlq_error ?? ""}`,
    });
  }
  return counts;
}

export interface CheckInput {
  nodes: NodeProcess[];
  bulletins: BulletinPlan[];
  activities: ActivityPlan[];
  campaignId: string;
  unknownBulletinCreations: number;
  unknownActivityReports: number;
  kafka: Kafka;
  admin: Admin;
  namespace: string;
}

export async function checkEverything(input: CheckInput): Promise<{ findings: Finding[]; counts: Counts }> {
  const findings: Finding[] = [];
  const byCode = new Map(input.nodes.map((n) => [n.code, n]));
  await checkBulletins(input.bulletins, byCode, input.unknownBulletinCreations, findings);
  await checkActivities(
    input.activities,
    input.campaignId,
    byCode.get("120101")!,
    byCode.get("120000")!,
    input.unknownActivityReports,
    findings,
  );
  const counts = await checkEvents(input.nodes, input.kafka, input.admin, input.namespace, findings);
  return { findings, counts };
}
