import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { CacheCounter } from '../redis/keys/index.ts';
import type { NamespaceStats } from './stats.ts';
import type { RedisTier } from './tiers/redis-tier.ts';

/**
 * Moves hit/miss deltas to the shared Redis counters (`…:metrics:cache_hit:<ns>`,
 * `…:metrics:cache_miss:<ns>`) in one INCRBY pipeline per period, never a round trip per request.
 * A failed flush keeps its deltas for the next one.
 */
export class MetricsFlusher {
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly l2: RedisTier,
    private readonly counterKey: (counter: CacheCounter, namespace: string) => string,
    private readonly sources: () => NamespaceStats[],
    periodMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), periodMs);
    this.timer.unref();
  }

  flush(): Promise<void> {
    this.flushing ??= this.run().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async run(): Promise<void> {
    const taken: [NamespaceStats, number, number][] = [];
    const deltas = new Map<string, number>();
    for (const stats of this.sources()) {
      const { pendingHits: hits, pendingMisses: misses } = stats;
      if (hits === 0 && misses === 0) continue;
      stats.pendingHits = 0;
      stats.pendingMisses = 0;
      taken.push([stats, hits, misses]);
      if (hits > 0) deltas.set(this.counterKey('cache_hit', stats.namespace), hits);
      if (misses > 0) deltas.set(this.counterKey('cache_miss', stats.namespace), misses);
    }
    if (deltas.size === 0) return;
    try {
      await this.l2.incrementAll(deltas);
    } catch (err) {
      for (const [stats, hits, misses] of taken) {
        stats.pendingHits += hits;
        stats.pendingMisses += misses;
      }
      this.logger.debug({ err: errorMessage(err) }, 'cache counter flush failed; retried next period');
    }
  }
}
