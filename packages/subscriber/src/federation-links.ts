import { CITY_JURISDICTION } from "@jinlian/kernel";

/**
 * The MirrorMaker 2 links between the municipal cluster and one district's cluster: the one source
 * of the topic patterns for the Kubernetes manifests (tests/k8s) and the local federation
 * (infra/mirror-maker), so both mirror exactly the same topics.
 *
 * With identity replication a mirrored topic keeps its name, so every topic must flow one way
 * only. Delivery topics (`<ns>.<from>.<service>.to.<to>`) have one writer and one reader, which
 * gives that: `down` selects the city's deliveries to the district, `up` the district's to the
 * city, and no topic matches both. Districts never mirror to each other; cross-district work goes
 * through the city.
 */
export interface MirrorLink {
  /** Which way the link copies, seen from the city. */
  direction: "down" | "up";
  /** Jurisdiction codes of the cluster read and the cluster written. */
  source: string;
  target: string;
  /** MirrorMaker cluster aliases (`<ns>-<code>`). */
  sourceAlias: string;
  targetAlias: string;
  /** Java regular expressions for MirrorMaker's `topics` and `topics.exclude`. */
  topicsPattern: string;
  topicsExcludePattern: string;
}

/** Service names as topics carry them (see topics.ts). */
const SERVICE = "[a-z][a-z0-9-]*";

/**
 * Never mirrored, even if a pattern were widened by mistake: dead letters and local streams stay on
 * their node, MirrorMaker's own and Kafka's internal topics would loop or clash.
 */
const EXCLUDE = [".*\\.dlq", ".*[-.]internal", "mm2-.*", ".*\\.heartbeats", "heartbeats", "__.*", "_.*"].join("|");

function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}

export function mirrorAlias(namespace: string, code: string): string {
  return `${namespace}-${code}`;
}

export function federationLinks(namespace: string, district: string): { down: MirrorLink; up: MirrorLink } {
  if (district === CITY_JURISDICTION) throw new Error("the city has no link to itself");
  const ns = escape(namespace);
  const link = (direction: "down" | "up", source: string, target: string): MirrorLink => ({
    direction,
    source,
    target,
    sourceAlias: mirrorAlias(namespace, source),
    targetAlias: mirrorAlias(namespace, target),
    topicsPattern: `${ns}\\.${source}\\.${SERVICE}\\.to\\.${target}`,
    topicsExcludePattern: EXCLUDE,
  });
  return { down: link("down", CITY_JURISDICTION, district), up: link("up", district, CITY_JURISDICTION) };
}

/** Whether MirrorMaker would copy `topic` over `link` (Java's `matches` is a whole-string match). */
export function mirrors(link: MirrorLink, topic: string): boolean {
  return new RegExp(`^(?:${link.topicsPattern})$`).test(topic) && !new RegExp(`^(?:${link.topicsExcludePattern})$`).test(topic);
}
