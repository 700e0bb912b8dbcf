import type { Queue } from 'bullmq';
import type { CacheEngine } from '../cache/index.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/client.ts';
import { type Keys, symbolsMetricName } from '../redis/keys/index.ts';
import { mgetAcross } from '../redis/multi-key.ts';
import { MARKET_TYPES } from '../trading/index.ts';
import { type ClearReport, clearCacheKeys } from './cache-clear.ts';
import type { CleanupRegistry, CleanupReport } from './cleanup-registry.ts';
import { type KeyInventory, takeKeyInventory } from './key-inventory.ts';
import type { ScanBounds } from './key-scan.ts';
import { isEvictingPolicy, memoryUsageRatio, type RedisInfo, redisInfoOf } from './redis-info.ts';

/** Share of `maxmemory` at which health turns degraded and the monitor runs a cleanup. */
export const MEMORY_WARNING_RATIO = 0.8;

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Job counts of one BullMQ queue. */
export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** `healthCheck()`: seed 002's health answer, with the reasons for anything but healthy. */
export interface CacheHealth {
  status: HealthStatus;
  redisConnected: boolean;
  /** Null when Redis did not answer INFO. */
  redisInfo: Omit<RedisInfo, 'opsPerSecond'> | null;
  /** Keys per cache: every cache engine namespace, and the shared symbol lists as `symbols`. */
  cacheStats: Record<string, { totalKeys: number }>;
  queues: Record<string, QueueDepth>;
  isRunning: boolean;
  /** Why the status is not healthy, one short sentence each (no key names, no secrets). */
  warnings: string[];
  checkedAt: string;
}

/** Hit rate of one namespace from the shared counters every process adds to. */
export interface NamespaceHitRate {
  hits: number;
  misses: number;
  /** hits / (hits + misses), null before the first read. */
  hitRate: number | null;
}

/** `getCacheSummary()`. */
export interface CacheSummary {
  totalKeys: number;
  /** Symbols in the cached lists (spot + futures), fresh copy or else last-good. */
  symbolCount: number;
  symbolsByMarket: Record<string, number>;
  areas: Record<string, number>;
  cacheNamespaces: Record<string, number>;
  hitRates: Record<string, NamespaceHitRate>;
  /** False when a SCAN bound stopped the count: the figures are lower bounds. */
  complete: boolean;
}

export interface CacheServiceDeps {
  redis: RedisClient;
  keys: Keys;
  cache: CacheEngine;
  cleanup: CleanupRegistry;
  /** BullMQ queues by name (the job runtime's); empty in one-shot tools that open none. */
  queues: () => ReadonlyMap<string, Queue>;
  logger: Logger;
  /** Bounds of the key-count SCAN behind health and stats. */
  scanBounds?: ScanBounds;
}

/**
 * The operator's cache service (seed 002's `cache_service`): health, key counts and hit rates,
 * cleanup of expired data and the emergency clear, over our own keys only. `start`/`stop` mark
 * whether this process serves; the monitor loop is `RedisMonitor`, started beside it.
 */
export class CacheService {
  private running = false;

  constructor(private readonly deps: CacheServiceDeps) {}

  start(): void {
    this.running = true;
  }

  stop(): void {
    this.running = false;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** One INFO (all sections) parsed; throws when Redis does not answer. */
  async redisInfo(): Promise<RedisInfo> {
    return redisInfoOf(await this.deps.redis.info());
  }

  async healthCheck(): Promise<CacheHealth> {
    const warnings: string[] = [];
    const redisConnected = this.deps.redis.status === 'ready';
    let info: RedisInfo | null = null;
    let inventory: KeyInventory | null = null;
    let queues: Record<string, QueueDepth> = {};
    if (redisConnected) {
      try {
        [info, inventory, queues] = await Promise.all([
          this.redisInfo(),
          takeKeyInventory(this.deps.redis, this.deps.keys, this.deps.scanBounds),
          this.queueDepths(),
        ]);
      } catch (err) {
        this.deps.logger.warn({ error: errorMessage(err) }, 'cache health check failed');
        warnings.push('Redis did not answer the health check');
      }
    } else {
      warnings.push('Redis is not connected');
    }
    if (info) {
      const ratio = memoryUsageRatio(info);
      if (ratio !== null && ratio >= MEMORY_WARNING_RATIO) {
        warnings.push(`Redis memory at ${Math.round(ratio * 100)} % of maxmemory`);
      }
      if (isEvictingPolicy(info.evictionPolicy)) {
        warnings.push(`maxmemory-policy ${info.evictionPolicy} may evict queues and user data`);
      }
    }
    if (inventory && !inventory.complete) warnings.push('key counts are partial (scan bound reached)');
    if (this.deps.cache.breakerState === 'open')
      warnings.push('cache engine is skipping Redis (breaker open)');
    const failed = Object.values(queues).reduce((sum, q) => sum + q.failed, 0);
    if (failed > 0) warnings.push(`${failed} failed job(s) kept in the queues`);

    const status: HealthStatus = !info ? 'unhealthy' : warnings.length > 0 ? 'degraded' : 'healthy';
    const cacheStats: Record<string, { totalKeys: number }> = {};
    for (const ns of this.namespaceNames(inventory)) {
      cacheStats[ns] = { totalKeys: inventory?.cacheNamespaces[ns] ?? 0 };
    }
    cacheStats.symbols = { totalKeys: inventory?.symbolKeys ?? 0 };
    let redisInfo: CacheHealth['redisInfo'] = null;
    if (info) {
      const { opsPerSecond: _ops, ...rest } = info;
      redisInfo = rest;
    }
    return {
      status,
      redisConnected,
      redisInfo,
      cacheStats,
      queues,
      isRunning: this.running,
      warnings,
      checkedAt: new Date().toISOString(),
    };
  }

  async getCacheSummary(): Promise<CacheSummary> {
    const { redis, keys } = this.deps;
    const inventory = await takeKeyInventory(redis, keys, this.deps.scanBounds);
    const symbolsByMarket: Record<string, number> = {};
    let symbolCount = 0;
    for (const market of MARKET_TYPES) {
      const count = await this.symbolsIn(market);
      symbolsByMarket[market] = count;
      symbolCount += count;
    }
    return {
      totalKeys: inventory.totalKeys,
      symbolCount,
      symbolsByMarket,
      areas: inventory.areas,
      cacheNamespaces: inventory.cacheNamespaces,
      hitRates: await this.hitRates(inventory),
      complete: inventory.complete,
    };
  }

  /** Runs every registered cleanup step (sessions, and what other areas registered). */
  async cleanupExpiredData(signal: AbortSignal = new AbortController().signal): Promise<CleanupReport> {
    const report = await this.deps.cleanup.runAll(signal, (step, error) =>
      this.deps.logger.warn({ step, error }, 'cleanup step failed'),
    );
    this.deps.logger.info(
      { removed: report.removed, failed: Object.keys(report.failed), durationMs: report.durationMs },
      'expired data cleaned up',
    );
    return report;
  }

  /** Removes every cache key of ours (never durable user data, queues or foreign keys). */
  async clearAllCache(): Promise<ClearReport> {
    const report = await clearCacheKeys(this.deps.redis, this.deps.keys, this.deps.scanBounds);
    this.deps.logger.warn(
      { totalRemoved: report.totalRemoved, namespaces: report.namespaces, complete: report.complete },
      'all cache keys cleared',
    );
    return report;
  }

  /** Job counts per queue; a queue that does not answer counts as an error of the caller. */
  async queueDepths(): Promise<Record<string, QueueDepth>> {
    const depths: Record<string, QueueDepth> = {};
    for (const [name, queue] of this.deps.queues()) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      depths[name] = {
        // BullMQ keeps prioritized jobs apart from `wait`; all of them wait for a worker.
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
      };
    }
    return depths;
  }

  /** Namespaces seen in Redis, plus those this process uses, plus the symbol lists' counters. */
  private namespaceNames(inventory: KeyInventory | null): string[] {
    const names = new Set(Object.keys(inventory?.cacheNamespaces ?? {}));
    for (const ns of Object.keys(this.deps.cache.stats())) names.add(ns);
    return [...names].sort();
  }

  private async hitRates(inventory: KeyInventory): Promise<Record<string, NamespaceHitRate>> {
    const names = new Set(this.namespaceNames(inventory));
    for (const market of MARKET_TYPES) names.add(symbolsMetricName(market));
    const sorted = [...names].sort();
    const { metrics } = this.deps.keys;
    const counterKeys: string[] = [];
    for (const ns of sorted) {
      try {
        counterKeys.push(metrics.cacheHit(ns), metrics.cacheMiss(ns));
      } catch {
        counterKeys.push('', ''); // a namespace name no counter can have: reads as zero
      }
    }
    const wanted = counterKeys.filter((k) => k !== '');
    const raw = wanted.length > 0 ? await mgetAcross(this.deps.redis, wanted) : [];
    const byKey = new Map(wanted.map((k, i) => [k, Number(raw[i] ?? 0) || 0]));
    const rates: Record<string, NamespaceHitRate> = {};
    sorted.forEach((ns, i) => {
      const hits = byKey.get(counterKeys[2 * i] ?? '') ?? 0;
      const misses = byKey.get(counterKeys[2 * i + 1] ?? '') ?? 0;
      rates[ns] = { hits, misses, hitRate: hits + misses > 0 ? hits / (hits + misses) : null };
    });
    return rates;
  }

  /** Symbols in a market's cached list: the fresh copy, else the last-good one, else 0. */
  private async symbolsIn(market: (typeof MARKET_TYPES)[number]): Promise<number> {
    const { redis, keys } = this.deps;
    const [fresh, lastGood] = await mgetAcross(redis, [
      keys.symbols.cache(market),
      keys.symbols.lastGood(market),
    ]);
    for (const raw of [fresh, lastGood]) {
      if (!raw) continue;
      try {
        const value = JSON.parse(raw) as { symbols?: unknown };
        if (Array.isArray(value.symbols)) return value.symbols.length;
      } catch {
        // a foreign or corrupted value: not a list we can count
      }
    }
    return 0;
  }
}
