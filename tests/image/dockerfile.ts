/**
 * Reads k8s/image/Dockerfile as far as the tests need it: which directory the build stage
 * assembles with k8s/image/assemble.sh, and how the runtime stage copies and starts it. The
 * runtime test (runtime.int.spec.ts) starts the node exactly as read here, so the Dockerfile and
 * the test cannot describe two different layouts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const DOCKERFILE = path.join(REPO_ROOT, "k8s", "image", "Dockerfile");
export const ASSEMBLE_SCRIPT = path.join(REPO_ROOT, "k8s", "image", "assemble.sh");
const ASSEMBLE_IN_IMAGE = "k8s/image/assemble.sh";

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  base: string;
  name?: string;
  instructions: Instruction[];
}

/** Stages in order; continuation lines are joined and comments dropped. */
export function dockerfileStages(text: string): Stage[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && pending === "")) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    logical.push((pending + line).trim());
    pending = "";
  }
  if (pending) logical.push(pending.trim());

  const stages: Stage[] = [];
  for (const line of logical.filter(Boolean)) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === "FROM") {
      const [, base, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ base, name, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
      stages[stages.length - 1].instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

export interface RuntimeLayout {
  /** The build stage's directory that assemble.sh fills. */
  assembledDir: string;
  /** Where the runtime stage puts it. */
  appDir: string;
  /** The runtime stage's working directory. */
  workdir: string;
  /** Arguments of the distroless image's entrypoint, node. */
  cmd: string[];
  /** Every COPY of the runtime stage, as written. */
  runtimeCopies: string[];
}

/**
 * The runtime contract of the image: the build stage runs assemble.sh into one directory, the
 * runtime stage copies that directory and nothing else, and starts node with CMD from WORKDIR.
 * Throws, saying what differs, when the Dockerfile no longer has that shape.
 */
export function runtimeLayout(text = readFileSync(DOCKERFILE, "utf8")): RuntimeLayout {
  const stages = dockerfileStages(text);
  const runtime = stages[stages.length - 1];
  const build = stages.find((s) => s.name !== undefined && runtime.instructions.some((i) => i.args.includes(`--from=${s.name} `)));
  if (!build) throw new Error("Dockerfile: the runtime stage copies from no named build stage");

  const assembleRuns = build.instructions
    .filter((i) => i.keyword === "RUN")
    .flatMap((i) => [...i.args.matchAll(new RegExp(`${ASSEMBLE_IN_IMAGE.replace(/\./g, "\\.")}\\s+(\\S+)`, "g"))].map((m) => m[1]));
  if (assembleRuns.length !== 1)
    throw new Error(`Dockerfile: the build stage must run ${ASSEMBLE_IN_IMAGE} once (found ${assembleRuns.length})`);

  const runtimeCopies = runtime.instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD").map((i) => i.args);
  const copy = /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(runtimeCopies[0] ?? "");
  if (runtimeCopies.length !== 1 || !copy || copy[1] !== build.name || copy[2] !== assembleRuns[0]) {
    throw new Error(
      `Dockerfile: the runtime stage must copy exactly the assembled directory (COPY --from=${build.name} ${assembleRuns[0]} <dir>); it has: ${runtimeCopies.join(" | ")}`,
    );
  }

  const workdir = runtime.instructions.filter((i) => i.keyword === "WORKDIR").at(-1)?.args;
  const cmdArgs = runtime.instructions.filter((i) => i.keyword === "CMD").at(-1)?.args;
  if (!workdir || !cmdArgs) throw new Error("Dockerfile: the runtime stage needs WORKDIR and CMD");
  const cmd = JSON.parse(cmdArgs) as unknown;
  if (!Array.isArray(cmd) || !cmd.every((a) => typeof a === "string")) throw new Error("Dockerfile: CMD must be an exec-form array");
  return { assembledDir: assembleRuns[0], appDir: copy[3], workdir, cmd, runtimeCopies };
}
