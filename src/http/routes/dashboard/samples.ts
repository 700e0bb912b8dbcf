import type { CacheNamespaceStats } from '../../../cache/index.ts';
import type { MonitorSnapshot } from '../../../operations/index.ts';

/** One point of the dashboard's charts. */
export interface DashboardSample {
  /** Epoch ms the sample was taken. */
  at: number;
  /** Cache engine hit ratio of this process over the interval since the previous sample; null without reads. */
  hitRatio: number | null;
  /** Redis `used_memory` of the monitor's last round; null before its first. */
  usedMemory: number | null;
  /** Redis `maxmemory` (0 = no limit); null before the monitor's first round. */
  maxMemory: number | null;
}

export interface SampleSources {
  cache: { stats(): Record<string, CacheNamespaceStats> };
  monitor: { snapshot(): Readonly<MonitorSnapshot> };
  now?: () => number;
}

export interface SampleRingOptions {
  /** @default 60_000 (one a minute) */
  intervalMs?: number;
  /** @default 60 (the last hour at one a minute) */
  capacity?: number;
}

/**
 * A bounded in-process ring of chart samples, taken once a minute from figures already in
 * memory (the cache engine's counters and the Redis monitor's last INFO): sampling never calls
 * Redis, and a page reload shows the last hour at once instead of starting an empty chart.
 */
export class DashboardSampleRing {
  private readonly ring: DashboardSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastTotals: { hits: number; reads: number } | null = null;
  private readonly intervalMs: number;
  private readonly capacity: number;

  constructor(
    private readonly sources: SampleSources,
    options: SampleRingOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.capacity = options.capacity ?? 60;
  }

  /** Takes a first sample now, then one per interval. */
  start(): void {
    if (this.timer) return;
    this.take();
    this.timer = setInterval(() => this.take(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Oldest first. */
  samples(): DashboardSample[] {
    return [...this.ring];
  }

  /** Appends one sample (the oldest falls out past the capacity). */
  take(): DashboardSample {
    const now = (this.sources.now ?? Date.now)();
    const totals = { hits: 0, reads: 0 };
    for (const s of Object.values(this.sources.cache.stats())) {
      const hits = s.hitsL1 + s.hitsL2;
      totals.hits += hits;
      totals.reads += hits + s.misses + s.stale + s.lastGood;
    }
    // The ratio of this interval, not since start: a chart of a lifetime average would go flat.
    const previous = this.lastTotals ?? { hits: 0, reads: 0 };
    const reads = totals.reads - previous.reads;
    const hits = totals.hits - previous.hits;
    this.lastTotals = totals;
    const info = this.sources.monitor.snapshot().info;
    const sample: DashboardSample = {
      at: now,
      hitRatio: reads > 0 ? Math.round((hits / reads) * 10_000) / 10_000 : null,
      usedMemory: info ? info.usedMemory : null,
      maxMemory: info ? info.maxMemory : null,
    };
    this.ring.push(sample);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    return sample;
  }
}
