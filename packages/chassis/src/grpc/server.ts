import { readFileSync, statSync } from "node:fs";
import {
  experimental,
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import path from "node:path";
import { loadFileDescriptorSetFromBuffer, loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { watchCertificateFiles } from "@jinlian/certificates";
import { descriptorSetPath } from "@jinlian/proto";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Logger } from "../logging/logger";
import type { AccessRule } from "./access";
import { accessRulesOf } from "./handlers";

export interface RegisteredService {
  /** Fully-qualified service name, e.g. "jinlian.bulletins.v1.BulletinsService". */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** PEM material for serving gRPC over TLS. */
export interface ServerTls {
  certChain: Buffer;
  privateKey: Buffer;
  /** When set, clients must present a certificate signed by one of these (mutual TLS). */
  clientRootCerts?: Buffer;
  /**
   * The files the material was read from: when given, they are read again every `refreshMs`, so
   * a renewed certificate (cert-manager rewriting a mounted Secret) serves new connections
   * without a restart; a read that finds a key and certificate that do not match (caught between
   * the two writes) is refused and the previous pair kept.
   */
  files?: { certChain: string; privateKey: string; clientRootCerts?: string; refreshMs: number };
}

/** Server credentials for `tls`: from the files, watched, or from the PEM given. */
function serverCredentials(tls: ServerTls, logger: Logger): ServerCredentials {
  const mutual = tls.clientRootCerts !== undefined;
  if (tls.files) {
    // One provider for the three files: grpc-js's factory names its first two parameters the
    // other way round from what its implementation does with them, and one provider in both
    // places is right either way.
    const files = watchCertificateFiles({
      certChain: tls.files.certChain,
      privateKey: tls.files.privateKey,
      rootCerts: tls.files.clientRootCerts,
      refreshMs: tls.files.refreshMs,
      onRefused: (problem) => logger.warn({ problem }, "TLS files refused; serving new connections with the previous ones"),
      onRenewed: (what) => logger.info({ renewed: what }, "TLS files renewed; new connections get them"),
    });
    return experimental.createCertificateProviderServerCredentials(files, mutual ? files : null, mutual);
  }
  return ServerCredentials.createSsl(tls.clientRootCerts ?? null, [{ cert_chain: tls.certChain, private_key: tls.privateKey }], mutual);
}

export interface GrpcServerOptions {
  logger: Logger;
  /** Largest request accepted; bigger ones are refused by grpc-js with RESOURCE_EXHAUSTED. */
  maxReceiveMessageBytes?: number;
}

/**
 * Default receive limit: the largest legitimate request (a bulletin of 50,000 characters, up to
 * ~200 KB of UTF-8, with 500 recipients) fits several times over; grpc-js's 4 MiB would let one
 * call carry hundreds of thousands of elements.
 */
export const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES = 1024 * 1024;

/**
 * The package definitions as @grpc/reflection reads them, each file once. Reflection decodes
 * every file listed by every entry, and proto-loader lists all files of the set under every
 * type: thousands of types times every file kept a node's start busy for seconds and left
 * hundreds of MB of heap behind. Reflection reads nothing else from the definitions.
 */
function filesOnly(definitions: PackageDefinition): PackageDefinition {
  const lists = new Set<Buffer[]>();
  for (const entry of Object.values(definitions)) {
    const files = (entry as { fileDescriptorProtos?: unknown }).fileDescriptorProtos;
    if (Array.isArray(files)) lists.add(files as Buffer[]);
  }
  const unique = new Map<string, Buffer>();
  for (const list of lists) for (const file of list) unique.set(file.toString("base64"), file);
  // One message-type-shaped entry carrying every file; reflection reads only fileDescriptorProtos.
  return {
    files: { format: "Protocol Buffer 3 DescriptorProto", type: {}, fileDescriptorProtos: [...unique.values()] },
  } as unknown as PackageDefinition;
}

/**
 * The services a reflection registers (v1 and v1alpha), each keyed by the path of its methods'
 * service, as it would add them to a server.
 */
function reflectionServices(
  reflection: ReflectionService,
): { key: string; definition: ServiceDefinition; implementation: UntypedServiceImplementation }[] {
  const found: { key: string; definition: ServiceDefinition; implementation: UntypedServiceImplementation }[] = [];
  reflection.addToServer({
    addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation) {
      const key = Object.values(definition)[0]!.path.replace(/\/[^/]*$/, "");
      found.push({ key, definition, implementation });
    },
  });
  return found;
}

/**
 * A gRPC server with grpc.health.v1 (overall "" and per service) and server reflection over
 * every Jinlian contract. Services are registered before start; health turns SERVING once each
 * service's dependencies are ready (setServing) and NOT_SERVING when draining.
 */
export class GrpcServer {
  private readonly server: Server;
  private readonly health: HealthImplementation;
  private readonly names: string[] = [];
  private boundPort?: number;
  /** The plaintext health-only server (startHealthPort), when there is one. */
  private healthServer?: Server;

  constructor(private readonly options: GrpcServerOptions) {
    this.server = new Server({
      "grpc.max_receive_message_length": options.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE_MESSAGE_BYTES,
      "grpc.keepalive_permit_without_calls": 1,
    });
    this.health = new HealthImplementation({ "": "NOT_SERVING" });
    this.health.addToServer(this.server);
  }

  /**
   * Reflection lists what this process serves — its services and grpc.health.v1 — and describes
   * them from the descriptors of every Jinlian contract, so grpcurl can call them without files.
   * The description is built by the first reflection call (about 0.3 s, once), not at start:
   * reading and indexing the descriptor set took a sixth of a node's time to SERVING, and ~20 MB
   * of its heap, though most nodes are never reflected on. Only the reflection services' own
   * definitions are made at start, from a reflection over nothing.
   */
  private addReflection(): void {
    const services = [...this.names, "grpc.health.v1.Health"];
    let described: Map<string, UntypedServiceImplementation> | undefined;
    const describe = () => {
      if (!described) {
        const loaderOptions: Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };
        const healthDir = path.join(path.dirname(require.resolve("grpc-health-check/package.json")), "proto", "health", "v1");
        const definitions = {
          ...loadFileDescriptorSetFromBuffer(readFileSync(descriptorSetPath()), loaderOptions),
          ...loadSync(path.join(healthDir, "health.proto"), loaderOptions),
        };
        described = new Map(
          reflectionServices(new ReflectionService(filesOnly(definitions), { services })).map((r) => [r.key, r.implementation]),
        );
      }
      return described;
    };
    // A missing descriptor set is still found at start, not by an operator's first call.
    statSync(descriptorSetPath());
    for (const { key, definition } of reflectionServices(new ReflectionService({}, { services: [] }))) {
      const implementation: UntypedServiceImplementation = {};
      for (const method of Object.keys(definition)) {
        implementation[method] = (call: ServerDuplexStream<unknown, unknown>) => {
          let handler: (call: ServerDuplexStream<unknown, unknown>) => void;
          try {
            handler = describe().get(key)![method] as typeof handler;
          } catch (err) {
            this.options.logger.error({ err: (err as Error).message }, "server reflection could not describe the contracts");
            call.emit("error", { code: status.UNAVAILABLE, details: "server reflection is unavailable" });
            return;
          }
          handler(call);
        };
      }
      this.server.addService(definition, implementation);
    }
  }

  /** Every served method's declared access rule, by path (what the authorizer enforces). */
  readonly accessRules = new Map<string, AccessRule>();

  add(service: RegisteredService): void {
    this.server.addService(service.definition, service.implementation);
    for (const [method, rule] of accessRulesOf(service.implementation)) this.accessRules.set(method, rule);
    this.names.push(service.name);
    this.health.setStatus(service.name, "NOT_SERVING");
  }

  setStatus(status: ServingStatus, name?: string): void {
    for (const n of name ? [name] : ["", ...this.names]) this.health.setStatus(n, status);
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error("gRPC server not started");
    return this.boundPort;
  }

  /** Binds and serves; with tls, only TLS (and, given clientRootCerts, only mutual TLS). */
  async start(host: string, port: number, tls?: ServerTls): Promise<number> {
    this.addReflection();
    const credentials = tls ? serverCredentials(tls, this.options.logger) : ServerCredentials.createInsecure();
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    this.options.logger.info(
      { port: this.boundPort, services: this.names, tls: tls ? (tls.clientRootCerts ? "mutual" : "server") : "off" },
      "gRPC server listening",
    );
    return this.boundPort;
  }

  /**
   * Serves grpc.health.v1 alone, in plaintext, on a second port: kubelet's native gRPC probes
   * cannot speak TLS, and a port answering nothing but health gives away nothing else.
   */
  async startHealthPort(host: string, port: number): Promise<number> {
    const server = new Server();
    this.health.addToServer(server);
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.healthServer = server;
    this.options.logger.info({ port: bound }, "gRPC health port listening (plaintext, health only)");
    return bound;
  }

  /** Stops taking calls, lets in-flight ones finish for up to graceMs, then cuts the rest. */
  async drain(graceMs: number): Promise<void> {
    this.setStatus("NOT_SERVING");
    // Probes keep seeing NOT_SERVING until the main server is done; then the health port goes too.
    try {
      await this.drainMain(graceMs);
    } finally {
      this.healthServer?.forceShutdown();
    }
  }

  private async drainMain(graceMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.options.logger.warn({ graceMs }, "gRPC drain timed out; cancelling remaining calls");
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
