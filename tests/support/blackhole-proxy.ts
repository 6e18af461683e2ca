/**
 * A TCP proxy on loopback that can black-hole its connections: bytes stop flowing both ways but
 * no socket is closed or reset, as when a network silently drops packets. Used to prove that
 * failover does not wait for a TCP timeout of many minutes.
 */
import net from "node:net";

export interface BlackholeProxy {
  /** The port clients connect to instead of the target's. */
  readonly port: number;
  /** From now on nothing passes, on open connections or new ones. */
  blackhole(): void;
  close(): Promise<void>;
}

export async function startBlackholeProxy(target: { host: string; port: number }): Promise<BlackholeProxy> {
  let dropping = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.on("data", (d) => void (dropping || upstream.write(d)));
    upstream.on("data", (d) => void (dropping || client.write(d)));
    // Closing is forwarded only while the link is up: a black hole carries no FIN either.
    client.on("end", () => dropping || upstream.end());
    upstream.on("end", () => dropping || client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    blackhole() {
      dropping = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
