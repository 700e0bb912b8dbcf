/**
 * The live market of both markets in one object: what `app.ts` builds and puts on the
 * AppContext. `data.spot` / `data.futures` are the MarketDataCaches, `prices.*` the PriceCaches,
 * `batch(market)` the feed's write API (see `writes/write-batch.ts`).
 */
import type { RedisClient } from '../redis/client.ts';
import type { MarketKeys } from '../redis/keys/index.ts';
import { MARKET_TYPES, type MarketType } from '../trading/index.ts';
import { MarketDataCache } from './data/market-data-cache.ts';
import {
  type LiveMarketOptions,
  type ResolvedLiveMarketOptions,
  resolveLiveMarketOptions,
} from './data/options.ts';
import { type CleanupResult, cleanupMarket } from './prices/cleanup.ts';
import { PriceCache } from './prices/price-cache.ts';
import { SymbolKeyCache } from './writes/symbol-keys.ts';
import { MarketWriteBatch } from './writes/write-batch.ts';

export interface LiveMarketDeps {
  readonly redis: RedisClient;
  /**
   * The price lane's connection (default `redis`): Redis answers one connection's commands in
   * order, so a current price sent behind a bulk flush on the same socket waits for all of it.
   */
  readonly priceRedis?: RedisClient;
  readonly keys: MarketKeys;
  readonly options?: LiveMarketOptions;
}

export class LiveMarket {
  readonly options: ResolvedLiveMarketOptions;
  readonly data: Readonly<Record<MarketType, MarketDataCache>>;
  readonly prices: Readonly<Record<MarketType, PriceCache>>;
  private readonly symbolKeys: SymbolKeyCache;

  constructor(private readonly deps: LiveMarketDeps) {
    this.options = resolveLiveMarketOptions(deps.options);
    this.symbolKeys = new SymbolKeyCache(deps.keys);
    const shared = {
      redis: deps.redis,
      keys: deps.keys,
      options: this.options,
      batch: (market: MarketType) => this.batch(market),
    };
    this.data = {
      spot: new MarketDataCache(shared, 'spot'),
      futures: new MarketDataCache(shared, 'futures'),
    };
    this.prices = { spot: new PriceCache(shared, 'spot'), futures: new PriceCache(shared, 'futures') };
  }

  /**
   * A new, empty write batch for one market. Cheap: make one per flush. The `price` lane's
   * batches go out on the price connection.
   */
  batch(market: MarketType, lane: 'bulk' | 'price' = 'bulk'): MarketWriteBatch {
    const redis = lane === 'price' ? (this.deps.priceRedis ?? this.deps.redis) : this.deps.redis;
    return new MarketWriteBatch(
      { redis, keys: this.deps.keys, symbolKeys: this.symbolKeys, options: this.options },
      market,
    );
  }

  /** Removes ticks and candles past retention in both markets; returns what went, per market. */
  async cleanupOldData(now = Date.now()): Promise<Record<MarketType, CleanupResult>> {
    const result = {} as Record<MarketType, CleanupResult>;
    for (const market of MARKET_TYPES) {
      result[market] = await cleanupMarket(this.deps.redis, this.deps.keys, this.options, market, now);
    }
    return result;
  }
}
