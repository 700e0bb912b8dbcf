/**
 * MarketDataCache of one market (seed 002): current price, best bid/ask, order book, recent
 * trades, 24h statistics, symbol information, futures premium index, the symbols with a price,
 * and freshness. Reads are one round trip; writes go through the same monotonic batch the feed
 * uses, so a single `set*` call obeys the same "older never overwrites newer" rule and returns
 * whether it was written.
 */
import type { RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import type { MarketType } from '../../trading/index.ts';
import type { MarketWriteBatch } from '../writes/write-batch.ts';
import type { ResolvedLiveMarketOptions } from './options.ts';
import { decodeTrade } from './record-codec.ts';
import {
  decodeBookTicker,
  decodeOrderBook,
  decodePremiumIndex,
  decodePrice,
  decodeStats24h,
  decodeSymbolInfo,
} from './record-decoders.ts';
import type {
  BookTicker,
  BookTickerUpdate,
  MarketSnapshot,
  OrderBookUpdate,
  PremiumIndex,
  PremiumIndexUpdate,
  PricePoint,
  RecentTrade,
  Stats24h,
  Stats24hUpdate,
  StoredOrderBook,
  SymbolInfo,
  WriteOrder,
} from './types.ts';

export interface MarketDataCacheDeps {
  readonly redis: RedisClient;
  readonly keys: MarketKeys;
  readonly options: ResolvedLiveMarketOptions;
  readonly batch: (market: MarketType) => MarketWriteBatch;
}

export class MarketDataCache {
  constructor(
    private readonly deps: MarketDataCacheDeps,
    readonly market: MarketType,
  ) {}

  /** Writes a price at exchange time `time` (ordered by `seq`, default `time`); false when older. */
  async setPrice(symbol: string, price: string, time: number, seq: number = time): Promise<boolean> {
    return written(await this.batch().price(symbol, price, time, seq).flush());
  }

  async getPrice(symbol: string): Promise<PricePoint | null> {
    return decodePrice(await this.deps.redis.get(this.deps.keys.price(this.market, symbol)));
  }

  async setBookTicker(symbol: string, update: BookTickerUpdate, order: WriteOrder): Promise<boolean> {
    return written(await this.batch().bookTicker(symbol, update, order).flush());
  }

  async getBookTicker(symbol: string): Promise<BookTicker | null> {
    return decodeBookTicker(await this.deps.redis.get(this.deps.keys.bookTicker(this.market, symbol)));
  }

  /** Stores the best `orderBookDepth` levels per side, ordered by `lastUpdateId`. */
  async setOrderBook(symbol: string, book: OrderBookUpdate, time: number | null = null): Promise<boolean> {
    return written(await this.batch().orderBook(symbol, book, time).flush());
  }

  async getOrderBook(symbol: string): Promise<StoredOrderBook | null> {
    return decodeOrderBook(await this.deps.redis.get(this.deps.keys.orderBook(this.market, symbol)));
  }

  /** Adds trades to the capped list; a trade whose id is not above the newest stored one is ignored. Returns how many were added. */
  async addTrades(symbol: string, trades: readonly RecentTrade[]): Promise<number> {
    const batch = this.batch();
    for (const trade of trades) batch.trade(symbol, trade);
    return (await batch.flush()).byKind.trade.written;
  }

  /** Recent trades, newest first. */
  async getRecentTrades(symbol: string, limit = this.deps.options.tradesKept): Promise<RecentTrade[]> {
    const count = Math.max(1, Math.min(limit, this.deps.options.tradesKept));
    const values = await this.deps.redis.lrange(this.deps.keys.trades(this.market, symbol), 0, count - 1);
    return values.map(decodeTrade).filter((t): t is RecentTrade => t !== null);
  }

  async setStats24h(symbol: string, stats: Stats24hUpdate, order: WriteOrder): Promise<boolean> {
    return written(await this.batch().stats24h(symbol, stats, order).flush());
  }

  async getStats24h(symbol: string): Promise<Stats24h | null> {
    return decodeStats24h(await this.deps.redis.get(this.deps.keys.stats24h(this.market, symbol)));
  }

  async setSymbolInfo(symbol: string, info: SymbolInfo, order: WriteOrder): Promise<boolean> {
    return written(await this.batch().symbolInfo(symbol, info, order).flush());
  }

  async getSymbolInfo(symbol: string): Promise<SymbolInfo | null> {
    return decodeSymbolInfo(await this.deps.redis.get(this.deps.keys.info(this.market, symbol)));
  }

  /** Futures only: mark price and funding rate. */
  async setPremiumIndex(symbol: string, update: PremiumIndexUpdate, order: WriteOrder): Promise<boolean> {
    return written(await this.batch().premiumIndex(symbol, update, order).flush());
  }

  async getPremiumIndex(symbol: string): Promise<PremiumIndex | null> {
    if (this.market !== 'futures') return null;
    return decodePremiumIndex(await this.deps.redis.get(this.deps.keys.premiumIndex(this.market, symbol)));
  }

  /** Everything cached about a symbol in one round trip (one MGET in the symbol's slot, one LINDEX). */
  async getSnapshot(symbol: string): Promise<MarketSnapshot> {
    const k = this.deps.keys;
    const m = this.market;
    const results = await this.deps.redis
      .pipeline()
      .mget(
        k.price(m, symbol),
        k.bookTicker(m, symbol),
        k.orderBook(m, symbol),
        k.stats24h(m, symbol),
        k.premiumIndex(m, symbol),
      )
      .lindex(k.trades(m, symbol), 0)
      .exec();
    const [mgetReply, tradeReply] = results ?? [];
    if (mgetReply?.[0]) throw mgetReply[0];
    if (tradeReply?.[0]) throw tradeReply[0];
    const [price = null, book = null, orderBook = null, stats = null, premium = null] =
      (mgetReply?.[1] as (string | null)[] | undefined) ?? [];
    const newest = tradeReply?.[1] as string | null | undefined;
    return {
      symbol,
      market: m,
      price: decodePrice(price),
      bookTicker: decodeBookTicker(book),
      orderBook: decodeOrderBook(orderBook),
      trade: newest ? decodeTrade(newest) : null,
      stats24h: decodeStats24h(stats),
      premiumIndex: m === 'futures' ? decodePremiumIndex(premium) : null,
    };
  }

  /**
   * Symbols of this market holding a price: those whose last price's exchange time is within
   * the real-time TTL of `now`. Sorted.
   */
  async getSymbols(now = Date.now()): Promise<string[]> {
    const key = this.deps.keys.symbolsWithData(this.market);
    const symbols = await this.deps.redis.zrangebyscore(key, now - this.deps.options.realtimeTtlMs, '+inf');
    return symbols.sort();
  }

  /** Whether the symbol has a price whose exchange time is at most `maxAgeMs` before `now`. */
  async isPriceFresh(symbol: string, maxAgeMs: number, now = Date.now()): Promise<boolean> {
    const price = await this.getPrice(symbol);
    return price !== null && now - price.time <= maxAgeMs;
  }

  private batch(): MarketWriteBatch {
    return this.deps.batch(this.market);
  }
}

function written(result: { written: number }): boolean {
  return result.written > 0;
}
