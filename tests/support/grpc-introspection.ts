/** Clients for the standard gRPC health and reflection services, as grpcurl would use them. */
import path from "node:path";
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, loadSync } from "@grpc/proto-loader";

function load(protoPath: string, includeDir: string): GrpcObject {
  return loadPackageDefinition(
    loadSync(protoPath, { includeDirs: [includeDir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }),
  );
}

function packageDir(pkg: string): string {
  return path.dirname(require.resolve(`${pkg}/package.json`));
}

/** grpc.health.v1.Health/Check for a service name ("" is the whole server). */
export async function healthCheck(address: string, service: string): Promise<string> {
  const dir = path.join(packageDir("grpc-health-check"), "proto", "health", "v1");
  const pkg = load(path.join(dir, "health.proto"), dir) as unknown as { grpc: { health: { v1: { Health: ServiceClientConstructor } } } };
  const client = new pkg.grpc.health.v1.Health(address, credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) =>
      client.Check({ service }, { deadline: Date.now() + 5000 }, (err: Error | null, res: { status: string }) =>
        err ? reject(err) : resolve(res.status),
      ),
    );
  } finally {
    client.close();
  }
}

type ReflectionResponse = {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_message: string };
};

async function reflect(address: string, request: Record<string, string>): Promise<ReflectionResponse> {
  const base = path.join(packageDir("@grpc/reflection"), "build", "proto");
  const pkg = load(path.join(base, "grpc", "reflection", "v1", "reflection.proto"), base) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  try {
    return await new Promise<ReflectionResponse>((resolve, reject) => {
      const call = client.ServerReflectionInfo({ deadline: Date.now() + 5000 });
      call.on("data", (res: ReflectionResponse) => {
        resolve(res);
        call.end();
      });
      call.on("error", reject);
      call.write(request);
    });
  } finally {
    client.close();
  }
}

/** Services the server lists through reflection (grpcurl list). */
export async function reflectedServices(address: string): Promise<string[]> {
  const res = await reflect(address, { list_services: "" });
  return (res.list_services_response?.service ?? []).map((s) => s.name).sort();
}

/** Whether reflection can describe a symbol (grpcurl describe). */
export async function reflectedFileFor(address: string, symbol: string): Promise<number> {
  const res = await reflect(address, { file_containing_symbol: symbol });
  if (res.error_response) throw new Error(res.error_response.error_message);
  return res.file_descriptor_response?.file_descriptor_proto.length ?? 0;
}

/** Wraps FileDescriptorProto bytes as a FileDescriptorSet (field 1, repeated) for proto-loader. */
function descriptorSet(files: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const length: number[] = [];
    let n = f.length;
    while (n > 0x7f) {
      length.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    length.push(n);
    parts.push(Buffer.from([0x0a, ...length]), f);
  }
  return Buffer.concat(parts);
}

/**
 * Every method the server offers through reflection (grpcurl list, then describe), as full
 * "<package>.<Service>/<Method>" names, sorted; the standard health and reflection services left out.
 */
export async function reflectedMethods(address: string): Promise<string[]> {
  const services = (await reflectedServices(address)).filter((s) => !s.startsWith("grpc."));
  const methods: string[] = [];
  for (const service of services) {
    const res = await reflect(address, { file_containing_symbol: service });
    if (res.error_response) throw new Error(`${service}: ${res.error_response.error_message}`);
    const files = res.file_descriptor_response?.file_descriptor_proto ?? [];
    const definition = loadFileDescriptorSetFromBuffer(descriptorSet(files), { keepCase: true });
    const methodsOf = definition[service] as Record<string, { path: string }> | undefined;
    if (!methodsOf) throw new Error(`reflection described no service ${service}`);
    methods.push(...Object.values(methodsOf).map((m) => m.path.slice(1)));
  }
  return methods.sort();
}
