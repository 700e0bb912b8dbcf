import type { Redis } from 'ioredis';
import type { SymbolsConfig } from '../../config/types.ts';
import { ErrorCodes, errorMessage, TradecacheError } from '../../errors.ts';
import type { ExchangeClient, MarketType } from '../../exchange/types.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { CounterBuffer } from '../../redis/counter-buffer.ts';
import { type Keys, symbolsMetricName } from '../../redis/keys.ts';
import { Lease } from '../../redis/lease.ts';
import type { RedisStore } from '../../redis/store.ts';
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
  redis: Redis;
  store: RedisStore;
  counters: CounterBuffer;
  keys: Keys;
  exchange: ExchangeClient;
  rules: SymbolsConfig;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
  /** How long a refresh may hold the cross-process lease (covers a slow exchangeInfo). */
  leaseTtlMs?: number;
  /** How long a request waits for another process' refresh before giving up. */
  waitTimeoutMs?: number;
}

const POLL_MS = 25;

/**
 * Exchange symbol lists, cache-aside in Redis (seeds: symbols routes and cache warmup).
 *
 * Reads hit `cache:symbols:<market>:v1`; a miss refreshes from the exchange under a
 * cross-process lease, so any number of concurrent misses in any number of processes make one
 * exchange call. A failed refresh serves the last-good copy (no TTL) with its age.
 */
export class SymbolCatalog {
  private readonly inflight = new Map<MarketType, Promise<SymbolListing>>();
  private readonly now: () => number;

  constructor(private readonly deps: SymbolCatalogDeps) {
    this.now = deps.now ?? Date.now;
  }

  async get(market: MarketType): Promise<SymbolsResult> {
    const { keys, counters, metrics } = this.deps;
    const name = symbolsMetricName(market);
    const cached = await this.readListing(keys.symbols.cache(market), market);
    if (cached) {
      counters.incr(keys.metrics.cacheHit(name));
      metrics.symbolsRequests.inc({ market, result: 'hit' });
      return { listing: cached, cache: 'HIT', source: 'cache', ageMs: this.ageOf(cached) };
    }
    counters.incr(keys.metrics.cacheMiss(name));
    try {
      const listing = await this.refresh(market);
      metrics.symbolsRequests.inc({ market, result: 'miss' });
      return { listing, cache: 'MISS', source: 'exchange', ageMs: this.ageOf(listing) };
    } catch (err) {
      return this.lastGoodOrThrow(market, err);
    }
  }

  /**
   * Refreshes one market, single-flighted in this process and across processes. Used by the
   * miss path and by the warmup job.
   */
  refresh(market: MarketType, signal?: AbortSignal): Promise<SymbolListing> {
    let pending = this.inflight.get(market);
    if (!pending) {
      pending = this.refreshUnderLease(market, signal).finally(() => this.inflight.delete(market));
      this.inflight.set(market, pending);
    }
    return pending;
  }

  /** The seeds' warmup task: refresh, and count success or error in Redis. */
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

  /** Hit/miss/warmup counters as stored in Redis plus what is still buffered. */
  async counters(market: MarketType) {
    const { keys, store, counters } = this.deps;
    const name = symbolsMetricName(market);
    const names = [
      keys.metrics.cacheHit(name),
      keys.metrics.cacheMiss(name),
      keys.metrics.warmupSuccess(name),
      keys.metrics.warmupError(name),
    ];
    const stored = await store.getInts(names);
    const [hits, misses, warmupSuccess, warmupError] = names.map(
      (k, i) => (stored[i] ?? 0) + counters.pendingFor(k),
    );
    const refreshedAt = await store.readJson<number>(keys.symbols.refreshedAt(market));
    return { hits, misses, warmupSuccess, warmupError, refreshedAt };
  }

  private async refreshUnderLease(market: MarketType, signal?: AbortSignal): Promise<SymbolListing> {
    const { redis, keys } = this.deps;
    const leaseKey = keys.symbols.refreshLease(market);
    const deadline = this.now() + (this.deps.waitTimeoutMs ?? 15_000);
    for (;;) {
      let lease: Lease | null;
      try {
        lease = await Lease.tryAcquire(redis, leaseKey, this.deps.leaseTtlMs ?? 30_000);
      } catch (err) {
        // Redis is down: coordination is impossible, but the exchange may still answer.
        this.deps.logger.warn(
          { market, err: errorMessage(err) },
          'symbols lease unavailable; fetching directly',
        );
        return this.fetchAndStore(market, signal);
      }
      if (lease) {
        try {
          return await this.fetchAndStore(market, signal);
        } finally {
          await lease.release().catch(() => false);
        }
      }
      const filled = await this.waitForOtherProcess(market, leaseKey, deadline, signal);
      if (filled) return filled;
      if (this.now() >= deadline) {
        throw new TradecacheError(
          ErrorCodes.UPSTREAM_UNAVAILABLE,
          `timed out waiting for the ${market} symbols refresh`,
        );
      }
      // The holder finished without filling (its fetch failed) or died: try to take over.
    }
  }

  private async waitForOtherProcess(
    market: MarketType,
    leaseKey: string,
    deadline: number,
    signal?: AbortSignal,
  ) {
    const { redis, keys } = this.deps;
    while (this.now() < deadline) {
      if (signal?.aborted) throw new TradecacheError(ErrorCodes.ABORTED, 'symbols refresh aborted');
      await new Promise((r) => setTimeout(r, POLL_MS));
      const filled = await this.readListing(keys.symbols.cache(market), market);
      if (filled) return filled;
      const held = await Lease.isHeld(redis, leaseKey).catch(() => false);
      if (!held) return this.readListing(keys.symbols.cache(market), market);
    }
    return null;
  }

  private async fetchAndStore(market: MarketType, signal?: AbortSignal): Promise<SymbolListing> {
    const { exchange, rules, store, keys, logger } = this.deps;
    const markets = await exchange.getMarkets(market, signal ? { signal } : {});
    const listing = buildListing(market, markets, rules, this.now());
    if (listing.symbols.length === 0) {
      // A list with no symbols is never right; keep serving the good data we have.
      throw new TradecacheError(
        ErrorCodes.EXCHANGE_BAD_RESPONSE,
        `exchange returned no TRADING ${market} symbols quoted in ${rules.quoteAsset}`,
        { context: { market, received: markets.length } },
      );
    }
    await store.writeJson(keys.symbols.cache(market), listing, rules.cacheTtlSec);
    await store.writeJson(keys.symbols.lastGood(market), listing);
    await store.writeJson(keys.symbols.refreshedAt(market), listing.refreshedAt);
    logger.info({ market, count: listing.symbols.length }, 'symbols refreshed from the exchange');
    return listing;
  }

  private async lastGoodOrThrow(market: MarketType, cause: unknown): Promise<SymbolsResult> {
    const { keys, metrics, logger } = this.deps;
    const lastGood = await this.readListing(keys.symbols.lastGood(market), market);
    logger.warn({ market, err: errorMessage(cause), lastGood: lastGood !== null }, 'symbols refresh failed');
    if (lastGood) {
      metrics.symbolsRequests.inc({ market, result: 'stale' });
      return { listing: lastGood, cache: 'STALE', source: 'last-good', ageMs: this.ageOf(lastGood) };
    }
    metrics.symbolsRequests.inc({ market, result: 'unavailable' });
    throw new TradecacheError(
      ErrorCodes.UPSTREAM_UNAVAILABLE,
      `${market} symbols are unavailable: the exchange failed and nothing was cached yet`,
      { cause, context: { market } },
    );
  }

  private async readListing(key: string, market: MarketType): Promise<SymbolListing | null> {
    const value = await this.deps.store.readJson(key);
    return isSymbolListing(value, market) ? value : null;
  }

  private ageOf(listing: SymbolListing): number {
    return Math.max(0, this.now() - listing.refreshedAt);
  }
}
