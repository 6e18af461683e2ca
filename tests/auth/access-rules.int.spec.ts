/**
 * Who may do what (issue 15), at a district node running every service with JINLIAN_AUTH=jwt's
 * authenticator and authoriser. Every method of every service, enumerated from the descriptor set
 * the server serves reflection from, must have a declared access rule (a method added without one
 * fails here), and is called with refused callers — no token, SRE, a role the rule does not name,
 * another district, the city where the rule keeps to the district — each answered
 * UNAUTHENTICATED or PERMISSION_DENIED with no row changed; and with allowed callers, which get
 * past authorisation. Tokens that are forged, expired or mis-addressed are refused, and the
 * identity a token names is what the audit trail records, whatever the actor header says.
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from "jose";
import { jwtAuthenticator, MUNICIPAL_JURISDICTION, ROLES, ruleAuthorizer, type AccessRule, type Role } from "@jinlian/chassis";
import { installInMemoryTracing } from "@jinlian/chassis/testing";
import { liaisonClient } from "@jinlian/client";
import { descriptorSetPath } from "@jinlian/proto";
import { uniqueNamespace } from "../harness/kafka";
import { query, rowCounts } from "../support/db";
import { creditCodeFor, OrgType } from "../support/liaison-fixtures";
import { startTestNode, type TestNode } from "../support/nodes";

jest.setTimeout(300_000);
// Traced as the node process is (its telemetry bootstrap), so audit entries carry the trace id.
const { exporter } = installInMemoryTracing();

const HERE = "120101"; // 和平区
const NEIGHBOUR = "120102"; // 河东区
const ISSUER = "https://auth.jinlian.test";
const AUDIENCE = "jinlian";

const definitions = loadFileDescriptorSetFromBuffer(readFileSync(descriptorSetPath()), {});
/** Every method of every Jinlian service in the contracts, by path. */
const methods: string[] = Object.entries(definitions)
  .filter(([name, d]) => name.startsWith("jinlian.") && !("format" in d))
  .flatMap(([, d]) => Object.values(d as Record<string, { path: string }>).map((m) => m.path))
  .sort();

let node: TestNode;
let client: Client;
let signingKey: KeyLike;
let strangerKey: KeyLike;

interface TokenClaims {
  roles?: unknown;
  jurisdiction?: unknown;
  sub?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string | number;
  key?: KeyLike;
  organisation?: string;
}

async function token(c: TokenClaims): Promise<string> {
  const jwt = new SignJWT({
    ...(c.roles !== undefined ? { jinlian_roles: c.roles } : {}),
    ...(c.jurisdiction !== undefined ? { jinlian_jurisdiction: c.jurisdiction } : {}),
    ...(c.organisation ? { jinlian_org: c.organisation } : {}),
  })
    .setProtectedHeader({ alg: "ES256", kid: "current" })
    .setSubject(c.sub ?? "officer-1")
    .setIssuer(c.issuer ?? ISSUER)
    .setAudience(c.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(c.expiresIn ?? "5m");
  return jwt.sign(c.key ?? signingKey);
}

const asRole = (roles: readonly Role[], jurisdiction: string) => token({ roles, jurisdiction });

/** Calls a method with an empty request (every field at its default) and the given bearer token. */
function call(method: string, bearer?: string, actorHeader?: string): Promise<{ code: status; details: string }> {
  const metadata = new Metadata();
  if (bearer) metadata.set("authorization", `Bearer ${bearer}`);
  if (actorHeader) metadata.set("x-jinlian-actor", actorHeader);
  metadata.set("x-request-id", randomUUID());
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      metadata,
      { deadline: Date.now() + 10_000 },
      (err: ServiceError | null) => resolve({ code: err ? err.code : status.OK, details: err?.details ?? "" }),
    ),
  );
}

const ruleOf = (method: string): AccessRule => node.node.accessRules.get(method)!;

beforeAll(async () => {
  const current = await generateKeyPair("ES256");
  signingKey = current.privateKey;
  strangerKey = (await generateKeyPair("ES256")).privateKey;
  const keys = { keys: [{ ...(await exportJWK(current.publicKey)), kid: "current", alg: "ES256", use: "sig" }] };
  node = await startTestNode({
    jurisdictionCode: HERE,
    namespace: uniqueNamespace("access"),
    authenticator: jwtAuthenticator({ keys, issuer: ISSUER, audience: AUDIENCE }),
    authorizer: ruleAuthorizer(HERE),
  });
  client = new Client(`127.0.0.1:${node.node.grpcPort}`, credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  await node?.stop();
  await node?.database.drop();
});

describe("given a district node with authentication on", () => {
  it("then every method of every service declares an access rule, and SRE is in none", () => {
    expect(methods.length).toBeGreaterThan(200);
    const withoutRule = methods.filter((m) => !node.node.accessRules.has(m));
    expect(withoutRule).toEqual([]);
    expect([...node.node.accessRules.keys()].sort()).toEqual(methods);
    const forSre = methods.filter((m) => ruleOf(m).roles.includes("SRE"));
    expect(forSre).toEqual([]);
  });

  it("when each method is called by a refused caller, then it is UNAUTHENTICATED or PERMISSION_DENIED and nothing changes", async () => {
    const before = await rowCounts(node.database.url);
    const wrong: string[] = [];
    const expectCode = async (method: string, who: string, bearer: string | undefined, code: status) => {
      const r = await call(method, bearer, "someone-else");
      if (r.code !== code) wrong.push(`${method} by ${who}: ${status[r.code]} (${r.details}), expected ${status[code]}`);
    };
    const sre = await asRole(["SRE"], HERE);
    for (const method of methods) {
      const rule = ruleOf(method);
      await expectCode(method, "no token (only an actor header)", undefined, status.UNAUTHENTICATED);
      await expectCode(method, "SRE", sre, status.PERMISSION_DENIED);
      const outsider = ROLES.filter((r) => r !== "SRE" && !rule.roles.includes(r));
      if (outsider.length > 0) await expectCode(method, outsider.join("+"), await asRole(outsider, HERE), status.PERMISSION_DENIED);
      await expectCode(method, `${rule.roles.join("+")} of ${NEIGHBOUR}`, await asRole(rule.roles, NEIGHBOUR), status.PERMISSION_DENIED);
      if (rule.jurisdiction === "NODE")
        await expectCode(
          method,
          `${rule.roles.join("+")} of the city`,
          await asRole(rule.roles, MUNICIPAL_JURISDICTION),
          status.PERMISSION_DENIED,
        );
    }
    expect(wrong).toEqual([]);
    expect(await rowCounts(node.database.url)).toEqual(before);
  });

  it("when each method is called by a caller its rule admits, then the call gets past authentication and authorisation", async () => {
    const stopped: string[] = [];
    for (const method of methods) {
      const rule = ruleOf(method);
      const callers: [string, string][] = [[`${rule.roles.join("+")} of ${HERE}`, await asRole(rule.roles, HERE)]];
      for (const role of rule.roles) callers.push([`${role} of ${HERE}`, await asRole([role], HERE)]);
      if (rule.jurisdiction === "NODE_OR_CITY")
        callers.push([`${rule.roles.join("+")} of the city`, await asRole(rule.roles, MUNICIPAL_JURISDICTION)]);
      for (const [who, bearer] of callers) {
        const r = await call(method, bearer);
        if (r.code === status.UNAUTHENTICATED || r.code === status.PERMISSION_DENIED)
          stopped.push(`${method} by ${who}: ${status[r.code]} (${r.details})`);
      }
    }
    expect(stopped).toEqual([]);
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    [
      "an expired token",
      () => token({ roles: ["JUSTICE_BUREAU"], jurisdiction: HERE, expiresIn: Math.floor(Date.now() / 1000) - 3600 }),
      /expired/,
    ],
    [
      "a token from another issuer",
      () => token({ roles: ["JUSTICE_BUREAU"], jurisdiction: HERE, issuer: "https://elsewhere" }),
      /claim iss/,
    ],
    ["a token for another audience", () => token({ roles: ["JUSTICE_BUREAU"], jurisdiction: HERE, audience: "someone-else" }), /claim aud/],
    ["a token signed by an unknown key", () => token({ roles: ["JUSTICE_BUREAU"], jurisdiction: HERE, key: strangerKey }), /signature/],
    ["a token without roles", () => token({ jurisdiction: HERE }), /jinlian_roles/],
    ["a token with an unknown role", () => token({ roles: ["ADMIN"], jurisdiction: HERE }), /jinlian_roles/],
    ["a token without a jurisdiction", () => token({ roles: ["JUSTICE_BUREAU"] }), /jinlian_jurisdiction/],
    [
      "an unsigned token (alg none)",
      async () => {
        const [, payload] = (await token({ roles: ["JUSTICE_BUREAU"], jurisdiction: HERE })).split(".");
        return `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`;
      },
      /not valid/,
    ],
    ["not a token at all", async () => "not-a-jwt", /not valid/],
  ])("when %s is presented, then the call is UNAUTHENTICATED and says why", async (_what, make, why) => {
    const r = await call("/jinlian.liaison.v1.RegistryService/ListOrganisations", await make());
    expect(status[r.code]).toBe("UNAUTHENTICATED");
    expect(r.details).toMatch(why);
  });

  it("when an allowed officer registers an organisation, then the audit trail records the token's identity, not the actor header", async () => {
    const organisation = creditCodeFor(HERE, "11");
    const sdk = liaisonClient({
      address: `127.0.0.1:${node.node.grpcPort}`,
      actor: "forged-actor-header",
      token: await token({ roles: ["JUSTICE_BUREAU"], jurisdiction: HERE, sub: "officer-zhang", organisation }),
    });
    try {
      const { organisation: registered } = await sdk.registry.registerOrganisation({
        type: OrgType.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE,
        name: "和平区某商会",
        creditCode: creditCodeFor(HERE),
        jurisdictionCode: HERE,
        departmentNames: [],
        reason: "issue 15",
      });
      const [entry] = await query<Record<string, string>>(
        node.database.url,
        `select actor, actor_organisation, actor_roles, actor_jurisdiction, trace_id, request_id
           from liaison.audit_entries where aggregate_id = $1`,
        [registered!.organisationId],
      );
      expect(entry).toMatchObject({
        actor: "officer-zhang",
        actor_organisation: organisation,
        actor_roles: "JUSTICE_BUREAU",
        actor_jurisdiction: HERE,
      });
      // The sweeps above called RegisterOrganisation too: this call's server span is the last.
      const server = exporter
        .getFinishedSpans()
        .filter((s) => s.name === "jinlian.liaison.v1.RegistryService/RegisterOrganisation")
        .pop();
      expect(entry!.trace_id).toBe(server!.spanContext().traceId);
      expect(entry!.request_id).not.toBe("");
    } finally {
      sdk.close();
    }
  });

  it("when anyone tries to change or remove an audit entry at the database, then it is refused", async () => {
    const schemas = ["liaison", "bulletins", "legislation", "legal_services", "mediation"];
    for (const schema of schemas) {
      for (const statement of [
        `update ${schema}.audit_entries set actor = 'someone-else'`,
        `delete from ${schema}.audit_entries`,
        `truncate ${schema}.audit_entries`,
      ])
        await expect(query(node.database.url, statement)).rejects.toThrow(/append-only/);
    }
  });
});
