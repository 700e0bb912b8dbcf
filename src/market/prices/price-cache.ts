/**
 * PriceCache of one market (seed 002): the current price, its time series (a ZSET by exchange
 * time), changes over a period, and OHLCV candles of 1m, 5m, 15m, 1h, 4h and 1d. Writes go
 * through the monotonic batch; reads take one round trip (candles two: index, then values).
 */
import type { RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import type { MarketType } from '../../trading/index.ts';
import type { ResolvedLiveMarketOptions } from '../data/options.ts';
import { decodePrice } from '../data/record-decoders.ts';
import type { PricePoint } from '../data/types.ts';
import type { MarketWriteBatch } from '../writes/write-batch.ts';
import { type Candle, type CandleInterval, decodeCandle } from './candle-codec.ts';
import { decodeTick, type PriceChange, priceChange } from './price-change.ts';

export interface PriceCacheDeps {
  readonly redis: RedisClient;
  readonly keys: MarketKeys;
  readonly options: ResolvedLiveMarketOptions;
  readonly batch: (market: MarketType) => MarketWriteBatch;
}

/**
 * A range query. With `from`, the first `limit` items at or after it (up to `to`); without, the
 * last `limit` items at or before `to` (or now). Bounds are inclusive; results oldest first.
 */
export interface RangeQuery {
  readonly from?: number;
  readonly to?: number;
  /** @default 500 */
  readonly limit?: number;
}

/** A candle stored from elsewhere (klines), with the trade id that orders it when known. */
export type CandleWithOrder = Candle & { readonly lastTradeId?: number };

const MAX_OPEN_TIME = 999_999_999_999_999;

export class PriceCache {
  constructor(
    private readonly deps: PriceCacheDeps,
    readonly market: MarketType,
  ) {}

  /** Sets the price at exchange time `time` (ordered by `seq`, default `time`); false when older than the stored one. */
  async setCurrentPrice(symbol: string, price: string, time: number, seq: number = time): Promise<boolean> {
    return (await this.deps.batch(this.market).price(symbol, price, time, seq).flush()).written > 0;
  }

  async getCurrentPrice(symbol: string): Promise<PricePoint | null> {
    return decodePrice(await this.deps.redis.get(this.deps.keys.price(this.market, symbol)));
  }

  /**
   * The current price against the last price at or before `now − periodMs`: a tick exactly at
   * the edge is used, one 1 ms later is not. Null without a current price or a reference.
   */
  async getPriceChange(symbol: string, periodMs: number, now = Date.now()): Promise<PriceChange | null> {
    const { current, changes } = await this.getPriceWithChanges(symbol, [periodMs], now);
    return current ? (changes[0] ?? null) : null;
  }

  /** The current price and its change over each period, in one round trip. */
  async getPriceWithChanges(
    symbol: string,
    periodsMs: readonly number[],
    now = Date.now(),
  ): Promise<{ current: PricePoint | null; changes: (PriceChange | null)[] }> {
    const k = this.deps.keys;
    const pipeline = this.deps.redis.pipeline().get(k.price(this.market, symbol));
    for (const period of periodsMs) {
      pipeline.zrevrangebyscore(k.ticks(this.market, symbol), now - period, '-inf', 'LIMIT', 0, 1);
    }
    const results = (await pipeline.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    const current = decodePrice((results[0]?.[1] as string | null) ?? null);
    const changes = periodsMs.map((_, i) => {
      const member = (results[i + 1]?.[1] as string[] | undefined)?.[0];
      const reference = member ? decodeTick(member) : null;
      return current && reference ? priceChange(current, reference) : null;
    });
    return { current, changes };
  }

  /** Ticks of the series in a range (see {@link RangeQuery}), oldest first. */
  async getPriceHistory(symbol: string, query: RangeQuery = {}): Promise<PricePoint[]> {
    const key = this.deps.keys.ticks(this.market, symbol);
    const limit = query.limit ?? 500;
    const to = query.to ?? '+inf';
    const members =
      query.from !== undefined
        ? await this.deps.redis.zrangebyscore(key, query.from, to, 'LIMIT', 0, limit)
        : (await this.deps.redis.zrevrangebyscore(key, to, '-inf', 'LIMIT', 0, limit)).reverse();
    return members.map(decodeTick).filter((t): t is PricePoint => t !== null);
  }

  /**
   * Stores candles from elsewhere (the exchange's klines). `final` marks the exchange's closed
   * klines: they replace candles built from trades. Others are ordered by `lastTradeId`.
   * Returns how many were written.
   */
  async setOhlcvData(
    symbol: string,
    interval: CandleInterval,
    candles: readonly CandleWithOrder[],
    options: { final?: boolean } = {},
  ): Promise<number> {
    const batch = this.deps.batch(this.market);
    for (const { lastTradeId = -1, ...candle } of candles) {
      batch.candle(symbol, interval, candle, { lastTradeId, final: options.final === true });
    }
    return (await batch.flush()).byKind.candle.written;
  }

  /** Candles whose open time is in the range (see {@link RangeQuery}), oldest first. */
  async getOhlcvData(
    symbol: string,
    interval: CandleInterval,
    query: RangeQuery = {},
    now = Date.now(),
  ): Promise<Candle[]> {
    const k = this.deps.keys;
    const index = k.candleIndex(this.market, symbol);
    const limit = query.limit ?? 500;
    const max = `[${k.candleField(interval, Math.min(query.to ?? MAX_OPEN_TIME, MAX_OPEN_TIME))}`;
    const fields =
      query.from !== undefined
        ? await this.deps.redis.zrangebylex(
            index,
            `[${k.candleField(interval, Math.min(query.from, MAX_OPEN_TIME))}`,
            max,
            'LIMIT',
            0,
            limit,
          )
        : (
            await this.deps.redis.zrevrangebylex(
              index,
              max,
              `[${k.candleField(interval, 0)}`,
              'LIMIT',
              0,
              limit,
            )
          ).reverse();
    if (fields.length === 0) return [];
    const values = await this.deps.redis.hmget(k.candles(this.market, symbol), ...fields);
    const candles: Candle[] = [];
    for (const value of values) {
      const candle = value === null ? null : decodeCandle(value, now);
      if (candle) candles.push(candle);
    }
    return candles;
  }

  /** Whether the symbol has a price series at all (to tell "nothing cached" from an empty range). */
  async hasHistory(symbol: string): Promise<boolean> {
    return (await this.deps.redis.exists(this.deps.keys.ticks(this.market, symbol))) === 1;
  }

  /** Whether the symbol has any candle stored. */
  async hasCandles(symbol: string): Promise<boolean> {
    return (await this.deps.redis.exists(this.deps.keys.candleIndex(this.market, symbol))) === 1;
  }
}
