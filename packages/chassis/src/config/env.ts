import { z } from "zod";

/** Thrown when the environment does not describe a valid configuration. Names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

type Shape = Record<string, z.ZodType>;

/**
 * Parses the environment once into a typed, frozen object. Keys of the schema are the
 * environment variable names; a missing or malformed one is reported by name.
 */
export function loadConfig<S extends Shape>(shape: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<z.ZodObject<S>>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const raw = env[key];
    // An empty variable is treated as unset, so defaults apply and "required" errors name it.
    input[key] = raw === undefined || raw.trim() === "" ? undefined : raw.trim();
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "?");
      const given = input[name];
      const detail = given === undefined ? "is required but not set" : `${issue.message} (got "${given}")`;
      return `${name}: ${detail}`;
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(result.data);
}

/** Helpers for common variable shapes. */
export const env = {
  port: (fallback?: number) => {
    const s = z.coerce.number().int().min(0).max(65535);
    return fallback === undefined ? s : s.default(fallback);
  },
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  url: (protocols: readonly string[]) =>
    z.string().refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol.replace(/:$/, ""));
        } catch {
          return false;
        }
      },
      `must be a URL with scheme ${protocols.join(" or ")}`,
    ),
  brokers: () =>
    z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .refine((list) => list.length > 0 && list.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), "must be host:port[,host:port…]"),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  name: (fallback: string) =>
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, "must be lower-case letters, digits, '.' or '-'")
      .default(fallback),
};
