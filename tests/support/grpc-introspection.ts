/** Clients for the standard gRPC health and reflection services, as grpcurl would use them. */
import path from "node:path";
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

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
