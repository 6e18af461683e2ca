import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";

/**
 * Personal data of parties (identity numbers, phone numbers, addresses) is stored sealed:
 * AES-256-GCM under the keyring's current key, tagged with the key's id so that older keys still
 * open what they sealed after a rotation. Equality lookups (an identity number on the 失信被执行人
 * list) use a keyed HMAC of the value, never the value.
 */
const PREFIX = "pd1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PersonalDataKeyring {
  private constructor(
    readonly current: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly indexKey: Buffer,
    /** True for the built-in development keyring, which protects nothing. */
    readonly development: boolean,
  ) {}

  /**
   * Parses a keyring file: `{"current": "<id>", "keys": {"<id>": "<base64, 32 bytes>", …},
   * "index": "<base64, 32 bytes>"}`. Throws with what is wrong.
   */
  static parse(text: string): PersonalDataKeyring {
    let spec: { current?: unknown; keys?: unknown; index?: unknown };
    try {
      spec = JSON.parse(text) as typeof spec;
    } catch {
      throw new Error("is not JSON");
    }
    const keys = new Map<string, Buffer>();
    if (!spec.keys || typeof spec.keys !== "object") throw new Error('has no "keys" object');
    for (const [id, value] of Object.entries(spec.keys as Record<string, unknown>)) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error(`key id "${id}" must be 1-32 letters, digits, _ or -`);
      keys.set(id, decodeKey(value, `key ${id}`));
    }
    if (typeof spec.current !== "string" || !keys.has(spec.current)) throw new Error('"current" must name one of "keys"');
    return new PersonalDataKeyring(spec.current, keys, decodeKey(spec.index, '"index"'), false);
  }

  /** A fixed, publicly known keyring for development and tests: the node warns when it runs on it. */
  static development(): PersonalDataKeyring {
    const derive = (label: string) => createHash("sha256").update(`jinlian development ${label}`).digest();
    return new PersonalDataKeyring("dev", new Map([["dev", derive("personal data key")]]), derive("personal data index key"), true);
  }

  seal(plain: string): string {
    const key = this.keys.get(this.current)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(`${PREFIX}:${this.current}`));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}:${this.current}:${iv.toString("base64url")}:${body.toString("base64url")}`;
  }

  /** Opens a sealed value; a value stored before sealing began is returned as it is. */
  open(value: string): string {
    if (!value.startsWith(`${PREFIX}:`)) return value;
    const [, id, iv, body] = value.split(":");
    const key = id ? this.keys.get(id) : undefined;
    if (!key || !iv || !body) throw new Error(`personal data sealed with key "${id}", which the keyring does not hold`);
    const bytes = Buffer.from(body, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(`${PREFIX}:${id}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  }

  /** The lookup form of a value: equal values give equal indexes; the value cannot be read back. */
  index(value: string): string {
    return createHmac("sha256", this.indexKey).update(value, "utf8").digest("base64url");
  }
}

function decodeKey(value: unknown, what: string): Buffer {
  const key = typeof value === "string" ? Buffer.from(value, "base64") : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) throw new Error(`${what} must be ${KEY_BYTES} bytes in base64`);
  return key;
}

let active = PersonalDataKeyring.development();

/** Sets the process's keyring (the node does, from JINLIAN_PERSONAL_DATA_KEYS_FILE, at start). */
export function usePersonalDataKeyring(keyring: PersonalDataKeyring): void {
  active = keyring;
}

export function personalDataKeyring(): PersonalDataKeyring {
  return active;
}

/** A copy of `doc` with every non-empty string under one of `names` (at any depth) sealed. */
export function sealPersonalData(doc: unknown, names: ReadonlySet<string>, keyring = active): unknown {
  return mapNamed(doc, names, (s) => (s ? keyring.seal(s) : s));
}

/** A copy of `doc` with every string under one of `names` opened. */
export function openPersonalData(doc: unknown, names: ReadonlySet<string>, keyring = active): unknown {
  return mapNamed(doc, names, (s) => keyring.open(s));
}

function mapNamed(value: unknown, names: ReadonlySet<string>, f: (s: string) => string, named = false): unknown {
  if (typeof value === "string") return named ? f(value) : value;
  if (Array.isArray(value)) return value.map((x) => mapNamed(x, names, f, named));
  if (value && typeof value === "object" && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mapNamed(v, names, f, names.has(k))]));
  return value;
}
