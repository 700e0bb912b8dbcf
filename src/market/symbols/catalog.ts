import type { CacheEngine, CacheNamespace, CacheResult, GetOrSetOptions } from '../../cache/index.ts';
import type { SymbolsConfig } from '../../config/types.ts';
import { ErrorCodes, errorMessage, TradecacheError } from '../../errors.ts';
import type { FailSoftWarnings } from '../../fail-soft-warnings.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { CounterBuffer } from '../../redis/counter-buffer.ts';
import { type Keys, symbolsMetricName } from '../../redis/keys/index.ts';
import type { RedisStore } from '../../redis/store.ts';
import type { ExchangeClient, MarketType } from '../../trading/index.ts';
import { buildListing, isSymbolListing, type SymbolListing } from './listing.ts';

/** `X-Cache` of a symbols response. */
export type SymbolsCacheStatus = 'HIT' | 'MISS' | 'STALE';

export interface SymbolsResult {
  readonly listing: SymbolListing;
  readonly cache: SymbolsCacheStatus;
  /** Where the list came from: the cache, a fresh exchange fetch, or the last-good copy. */
  readonly source: 'cache' | 'exchange' | 'last-good';
  readonly ageMs: number;
}

export interface SymbolCatalogDeps {
  /** The engine holding the lists (L1 + Redis, single flight across processes). */
  cache: CacheEngine;
  store: RedisStore;
  /** Buffer of the Python platform's warmup counters (hit/miss are flushed by the cache engine). */
  counters: CounterBuffer;
  keys: Keys;
  exchange: ExchangeClient;
  rules: SymbolsConfig;
  logger: Logger;
  /** When given, per-request failure warnings are counted per interval there (an outage fails every request). */
  warnings?: FailSoftWarnings;
  metrics: Metrics;
  now?: () => number;
  /** How long a refresh may hold the cross-process lease (covers a slow exchangeInfo). */
  leaseTtlMs?: number;
  /** How long a request waits for a refresh (its own or another process') before giving up. */
  waitTimeoutMs?: number;
}

/** The one key of each market's namespace; the Redis keys are the Python platform's (see `fixedKeys`). */
const LIST = 'v1';

/**
 * Exchange symbol lists on the cache engine (Python platform: symbols routes and cache warmup).
 *
 * Each market is a namespace named like its shared counters (`symbols_spot`), stored in the Python platform's
 * layout: `cache:symbols:<market>:v1` (JSON, TTL = SYMBOLS cacheTtlSec) and its `:last_good`
 * twin (no TTL). The engine gives the rest: L1 with bus invalidation, one exchange call for any
 * number of concurrent misses in any number of processes, the last-good copy (with its age)
 * when a refresh fails, and hit/miss flushed in batches to `metrics:cache_hit|cache_miss:*`.
 */
export class SymbolCatalog {
  private readonly now: () => number;
  private readonly lists: Record<MarketType, CacheNamespace<SymbolListing>>;
  private readonly writeOptions: GetOrSetOptions;
  /** Size of the list this process last served or refreshed, per market (for status pages). */
  private readonly lastSeen: Partial<Record<MarketType, { count: number; refreshedAt: number }>> = {};

  constructor(private readonly deps: SymbolCatalogDeps) {
    this.now = deps.now ?? Date.now;
    this.lists = { spot: this.namespace('spot'), futures: this.namespace('futures') };
    this.writeOptions = {
      ttlMs: deps.rules.cacheTtlSec * 1000,
      // The Python platform's TTL exactly: warmup runs on a schedule, so expiries are not bunched anyway.
      jitter: 0,
      lastGood: true,
      leaseMs: deps.leaseTtlMs ?? 30_000,
    };
  }

  private warn(cause: string, fields: Record<string, unknown>, message: string): void {
    if (this.deps.warnings) this.deps.warnings.warn(cause, fields, message);
    else this.deps.logger.warn(fields, message);
  }

  async get(market: MarketType): Promise<SymbolsResult> {
    const { metrics } = this.deps;
    let result: CacheResult<SymbolListing>;
    try {
      result = await this.lists[market].getOrSetWithMeta(LIST, ({ signal }) => this.fetch(market, signal), {
        ...this.writeOptions,
        hardTimeoutMs: this.deps.waitTimeoutMs ?? 15_000,
      });
    } catch (err) {
      this.warn(
        `${market}:${errorMessage(err)}`,
        { market, err: errorMessage(err), lastGood: false },
        'symbols refresh failed',
      );
      metrics.symbolsRequests.inc({ market, result: 'unavailable' });
      throw new TradecacheError(
        ErrorCodes.UPSTREAM_UNAVAILABLE,
        `${market} symbols are unavailable: the exchange failed and nothing was cached yet`,
        { cause: err, context: { market } },
      );
    }
    const listing = this.seen(market, result.value);
    const ageMs = Math.max(0, this.now() - listing.refreshedAt);
    switch (result.source) {
      case 'l1':
      case 'l2':
        metrics.symbolsRequests.inc({ market, result: 'hit' });
        return { listing, cache: 'HIT', source: 'cache', ageMs };
      case 'factory':
        metrics.symbolsRequests.inc({ market, result: 'miss' });
        return { listing, cache: 'MISS', source: 'exchange', ageMs };
      default:
        this.warn(
          market,
          { market, lastGood: true, ageMs },
          'symbols refresh failed; serving the last-good copy',
        );
        metrics.symbolsRequests.inc({ market, result: 'stale' });
        return { listing, cache: 'STALE', source: 'last-good', ageMs };
    }
  }

  /**
   * Fetches one market from the exchange now and stores it, whatever is cached; joins a refresh
   * already running in this or another process. Never answers with an old list: fails instead.
   */
  async refresh(market: MarketType, signal?: AbortSignal): Promise<SymbolListing> {
    const result = await this.lists[market].refresh(LIST, (ctx) => this.fetch(market, ctx.signal), {
      ...this.writeOptions,
      ...(signal ? { signal } : {}),
    });
    return this.seen(market, result.value);
  }

  /**
   * The list this process last served or refreshed, without a cache read: a status page polls
   * it, and a read would count as a hit and could start an exchange fetch. Null before the first.
   */
  lastListing(market: MarketType): { count: number; refreshedAt: number } | null {
    return this.lastSeen[market] ?? null;
  }

  /** The Python platform's warmup task: refresh, and count success or error in Redis. */
  async warmup(market: MarketType, signal?: AbortSignal): Promise<SymbolListing> {
    const { keys, counters } = this.deps;
    const name = symbolsMetricName(market);
    try {
      const listing = await this.refresh(market, signal);
      counters.incr(keys.metrics.warmupSuccess(name));
      return listing;
    } catch (err) {
      counters.incr(keys.metrics.warmupError(name));
      throw err;
    } finally {
      await this.deps.store.writeJson(keys.metrics.warmupLastRun(name), this.now());
    }
  }

  /** Hit/miss/warmup counters as stored in Redis plus what this process has not flushed yet. */
  async counters(market: MarketType) {
    const { keys, store, counters } = this.deps;
    const name = symbolsMetricName(market);
    const names = [
      keys.metrics.cacheHit(name),
      keys.metrics.cacheMiss(name),
      keys.metrics.warmupSuccess(name),
      keys.metrics.warmupError(name),
    ];
    // The last warmup's epoch ms rides in the same MGET (written as a JSON number).
    const stored = await store.getInts([...names, keys.metrics.warmupLastRun(name)]);
    const unflushed = this.lists[market].unflushedCounts();
    const hits = (stored[0] ?? 0) + unflushed.hits;
    const misses = (stored[1] ?? 0) + unflushed.misses;
    const [warmupSuccess, warmupError] = names
      .slice(2)
      .map((k, i) => (stored[i + 2] ?? 0) + counters.pendingFor(k));
    const lastWarmupAt = stored[4] ? stored[4] : null;
    const refreshedAt = await store.readJson<number>(keys.symbols.refreshedAt(market));
    return { hits, misses, warmupSuccess, warmupError, refreshedAt, lastWarmupAt };
  }

  /** The factory: one exchange call, checked, with the Python platform's refresh_ts written alongside. */
  private async fetch(market: MarketType, signal: AbortSignal): Promise<SymbolListing> {
    const { exchange, rules, store, keys, logger } = this.deps;
    const markets = await exchange.getMarkets(market, { signal });
    const listing = buildListing(market, markets, rules, this.now());
    if (listing.symbols.length === 0) {
      // A list with no symbols is never right; keep serving the good data we have.
      throw new TradecacheError(
        ErrorCodes.EXCHANGE_BAD_RESPONSE,
        `exchange returned no TRADING ${market} symbols quoted in ${rules.quoteAsset}`,
        { context: { market, received: markets.length } },
      );
    }
    // Fail-soft like the value itself: a Redis outage must not fail a good exchange answer.
    await store.writeJson(keys.symbols.refreshedAt(market), listing.refreshedAt);
    logger.info({ market, count: listing.symbols.length }, 'symbols refreshed from the exchange');
    return listing;
  }

  private seen(market: MarketType, listing: SymbolListing): SymbolListing {
    this.lastSeen[market] = { count: listing.symbols.length, refreshedAt: listing.refreshedAt };
    return listing;
  }

  private namespace(market: MarketType): CacheNamespace<SymbolListing> {
    const { cache, keys, rules } = this.deps;
    const fixedKey = (key: string, redisKey: string) => {
      if (key !== LIST) throw new Error(`symbols namespace has one key (${LIST}), not ${key}`);
      return redisKey;
    };
    return cache.namespace<SymbolListing>(symbolsMetricName(market), {
      ttlMs: rules.cacheTtlSec * 1000,
      fixedKeys: {
        valueKey: (key) => fixedKey(key, keys.symbols.cache(market)),
        lastGoodKey: (key) => fixedKey(key, keys.symbols.lastGood(market)),
        producedAt: (listing: SymbolListing) => listing.refreshedAt,
        // Anyone can write these keys: a corrupted or foreign value is a miss, never served.
        accepts: (value) => isSymbolListing(value, market),
      },
    });
  }
}
