import type { FailSoftWarnings } from '../fail-soft-warnings.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RedisClient } from './client.ts';
import { SlotPipelines } from './slot-pipelines.ts';

/**
 * Accumulates Redis counter increments (the Python platform's hit/miss/warmup counters) in memory and
 * flushes them with one pipelined INCRBY batch per interval (one per master on a Cluster), so a cache hit costs no extra
 * round trip. A failed flush keeps the increments for the next try.
 */
export class CounterBuffer {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: {
      logger: Logger;
      metrics: Metrics;
      flushIntervalMs?: number;
      /** When given, failed flushes are counted per interval there instead of one line each. */
      warnings?: FailSoftWarnings;
    },
  ) {}

  /** Starts the periodic flush; without it, counts are written on `flush()` / `close()`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 1_000);
    this.timer.unref();
  }

  incr(key: string, amount = 1): void {
    this.pending.set(key, (this.pending.get(key) ?? 0) + amount);
  }

  /** Increments not yet written to Redis (so readers can add them to what Redis says). */
  pendingFor(key: string): number {
    return this.pending.get(key) ?? 0;
  }

  /** Writes everything counted so far (waits for a flush already in flight, then the rest). */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.flushing || this.pending.size === 0) return this.flushing ?? undefined;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = (async () => {
      try {
        // The counters sit in many slots: one pipeline per master on a Cluster.
        const pipelines = new SlotPipelines(this.redis);
        for (const [key, amount] of batch) pipelines.on(key).incrby(key, amount);
        const results = await pipelines.exec();
        const failed = results.find(([err]) => err);
        if (failed) throw failed[0];
      } catch (err) {
        for (const [key, amount] of batch) this.incr(key, amount);
        this.options.metrics.redisErrors.inc({ operation: 'counterFlush' });
        const fields = { err: (err as Error).message, keys: batch.size };
        const message = 'counter flush failed; will retry';
        if (this.options.warnings) this.options.warnings.warn(fields.err, fields, message);
        else this.options.logger.warn(fields, message);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
