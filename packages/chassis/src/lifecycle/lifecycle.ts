import type { Logger } from "../logging/logger";

type StopHook = { name: string; stop: () => Promise<void> };

/**
 * Ordered shutdown. Components register a stop hook as they start; on stop (or SIGTERM/SIGINT)
 * hooks run in reverse order, each bounded, so the gRPC server drains before consumers, relays
 * and pools close.
 */
export class Lifecycle {
  private readonly hooks: StopHook[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly logger: Logger) {}

  onStop(name: string, stop: () => Promise<void>): void {
    this.hooks.push({ name, stop });
  }

  stop(perHookTimeoutMs = 15000): Promise<void> {
    this.stopping ??= (async () => {
      for (const hook of [...this.hooks].reverse()) {
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            hook.stop(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${perHookTimeoutMs} ms`)), perHookTimeoutMs);
            }),
          ]);
          this.logger.info({ component: hook.name, ms: Date.now() - started }, "stopped");
        } catch (err) {
          this.logger.error({ component: hook.name, err: (err as Error).message }, "stop failed");
        } finally {
          clearTimeout(timer);
        }
      }
    })();
    return this.stopping;
  }

  /** SIGTERM/SIGINT start a graceful stop; a second signal exits at once. */
  installSignalHandlers(exit: (code: number) => void = (c) => process.exit(c)): void {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        this.logger.warn({ signal }, "second signal; exiting now");
        exit(130);
        return;
      }
      signalled = true;
      this.logger.info({ signal }, "shutting down gracefully");
      this.stop().then(
        () => exit(0),
        () => exit(1),
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
}
