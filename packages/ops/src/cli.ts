import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isDistrictCode } from "@jinlian/kernel";
import { mirrorMakerProperties, type FederationCluster } from "./mirror-maker";
import { federationCommand, FEDERATION_USAGE } from "./federation-status";

const USAGE = `usage: jinlian-ops <command> [options]

commands:
  mm2-properties   write MirrorMaker 2's dedicated-mode configuration for the local federation
      --city <code=host:port>         the municipal cluster, e.g. 120000=127.0.0.1:9092
      --district <code=host:port>     a district's cluster (repeat for more)
      --namespace <name>              topic namespace (default jinlian)
      --rest-port <port>              MirrorMaker's internal REST port (default 29300)
      --refresh-seconds <n>           topic refresh interval (default 60)
      --out <file>                    write there instead of standard output
${FEDERATION_USAGE}`;

/** Runs one command; resolves to the process's exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "mm2-properties":
      return mm2Properties(rest);
    case "federation":
      return federationCommand(rest);
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`jinlian-ops: unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

function cluster(spec: string, what: string): FederationCluster {
  const m = /^(\d{6})=(.+:\d+)$/.exec(spec);
  if (!m) throw new Error(`${what} must be <code>=<host:port>, got ${spec}`);
  return { code: m[1]!, bootstrapServers: m[2]! };
}

function positiveInt(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got ${value}`);
  return n;
}

function mm2Properties(args: readonly string[]): number {
  const { values } = parseArgs({
    args: [...args],
    options: {
      city: { type: "string" },
      district: { type: "string", multiple: true },
      namespace: { type: "string", default: "jinlian" },
      "rest-port": { type: "string" },
      "refresh-seconds": { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  if (!values.city) throw new Error("--city is required");
  const city = cluster(values.city, "--city");
  const districts = (values.district ?? []).map((d) => cluster(d, "--district"));
  if (districts.length === 0) throw new Error("at least one --district is required");
  for (const d of districts) if (!isDistrictCode(d.code)) throw new Error(`${d.code} is not a district of Tianjin`);
  const text = mirrorMakerProperties({
    namespace: values.namespace,
    city,
    districts,
    internalRestPort: positiveInt(values["rest-port"], 29300, "--rest-port"),
    refreshTopicsSeconds: positiveInt(values["refresh-seconds"], 60, "--refresh-seconds"),
  });
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  return 0;
}
