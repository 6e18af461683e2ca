import type { Logger } from "@jinlian/chassis";

/** Health name that is SERVING once the node has its topics, producer, relays and consumers. */
export const KAFKA_HEALTH = "jinlian.node.Kafka";
/** Health name that is NOT_SERVING while any consumer of the node is down after a crash. */
export const CONSUMERS_HEALTH = "jinlian.node.Consumers";

export interface KafkaAttachmentOptions {
  readonly logger: Logger;
  /** Everything the node needs Kafka for; safe to call again after a failure part-way. */
  readonly attach: () => Promise<void>;
  readonly onAttached: () => void;
  /** First wait between attempts, doubling to `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * Attaches a node to Kafka, retrying in the background until it succeeds or the node stops, so
 * a broker outage at start-up delays publication and consumption but not serving calls.
 */
export class KafkaAttachment {
  private done = false;
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: KafkaAttachmentOptions) {}

  get attached(): boolean {
    return this.done;
  }

  /** Starts attaching; resolves when attached or after `waitMs`, whichever is first. */
  async start(waitMs: number): Promise<void> {
    this.loop ??= this.run();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    if (!this.done) this.options.logger.warn({ waitedMs: waitMs }, "Kafka not reachable yet: serving calls; events wait in the outbox");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = this.options.backoffMs ?? 1000;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.options.attach();
        if (this.stopped) return;
        this.done = true;
        this.options.onAttached();
        if (attempt > 1) this.options.logger.info({ attempt }, "attached to Kafka");
        return;
      } catch (err) {
        if (this.stopped) return;
        this.options.logger.warn({ err: (err as Error).message, attempt, retryInMs: backoff }, "Kafka attach failed; will retry");
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 30_000);
      }
    }
  }
}
