import type { SymbolCatalog } from '../../../market/symbols/index.ts';
import type { RedisHealth } from '../../../redis/health.ts';
import { MARKET_TYPES, type MarketType } from '../../../trading/index.ts';

/** The Python platform's four Redis counters of one market. */
export interface SharedCounters {
  hits: number;
  misses: number;
  warmupSuccess: number;
  warmupError: number;
}

export interface SharedCounterSnapshotOptions {
  /** @default 5 s */
  refreshMs?: number;
  /** A refresh still running after this is abandoned (a paused Redis never answers). @default 5 s */
  deadlineMs?: number;
}

/**
 * The Python platform's hit/miss/warmup counters, read from Redis in the background so that `/metrics`
 * never waits on Redis (it took 8 s with Redis paused, past scrapers' 10 s budget with a bit of
 * bad luck). A refresh that fails keeps the previous figures: the store answers 0 on failure,
 * and counters dropping to 0 and back would read as resets to Prometheus.
 */
export class SharedCounterSnapshot {
  private readonly figures = new Map<MarketType, SharedCounters>();
  private refreshedAt: number | null = null;
  private running = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly symbols: SymbolCatalog,
    private readonly health: RedisHealth,
    private readonly options: SharedCounterSnapshotOptions = {},
  ) {}

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Last figures read, or undefined before the first good refresh. */
  of(market: MarketType): SharedCounters | undefined {
    return this.figures.get(market);
  }

  /** Seconds since the last good refresh; null before it. */
  ageSec(now = Date.now()): number | null {
    return this.refreshedAt === null ? null : (now - this.refreshedAt) / 1000;
  }

  /** One read of every market, unless one is already running or Redis is known to be down. */
  async refresh(): Promise<void> {
    if (this.running || !this.health.isReady) return;
    this.running = true;
    const failuresBefore = this.health.snapshot().failures;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.options.deadlineMs ?? 5_000);
    });
    try {
      const read = Promise.all(MARKET_TYPES.map(async (m) => [m, await this.symbols.counters(m)] as const));
      const results = await Promise.race([read, deadline]);
      // A fail-soft read that failed answered zeros: keep what we had.
      if (!results || this.health.snapshot().failures !== failuresBefore) return;
      for (const [market, c] of results) {
        this.figures.set(market, {
          hits: c.hits ?? 0,
          misses: c.misses ?? 0,
          warmupSuccess: c.warmupSuccess ?? 0,
          warmupError: c.warmupError ?? 0,
        });
      }
      this.refreshedAt = Date.now();
    } catch {
      // Kept: the previous figures and their age say enough.
    } finally {
      clearTimeout(timer);
      this.running = false;
    }
  }
}
