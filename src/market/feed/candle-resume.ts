/**
 * What a new leader reads before it builds candles: for each interval the newest stored candle
 * of a watched symbol with the last trade id counted in it (the tick script's rank), and the
 * newest stored aggregate trade id. Resuming from them means a takeover continues the stored
 * candle instead of starting a thinner one that a later trade id would let overwrite it.
 */
import type { RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import type { MarketType } from '../../trading/index.ts';
import { CANDLE_INTERVALS, type Candle, type CandleSnapshot } from '../candles/index.ts';
import type { MarketDataCache } from '../data/index.ts';
import { decodeCandle } from '../prices/candle-codec.ts';

export interface StoredFeedState {
  /** Per interval the newest stored candle built from trades (open or closed). */
  readonly candles: CandleSnapshot;
  /** Newest aggregate trade id in the recent-trades list; -1 when none. */
  readonly lastAggTradeId: number;
}

export interface CandleResumeDeps {
  readonly redis: RedisClient;
  readonly keys: MarketKeys;
  readonly data: MarketDataCache;
  readonly market: MarketType;
}

/** Reads the stored state of one symbol (three round trips, once per election and symbol). */
export async function readStoredFeedState(
  deps: CandleResumeDeps,
  symbol: string,
  now: number,
): Promise<StoredFeedState> {
  const { redis, keys, market } = deps;
  const index = keys.candleIndex(market, symbol);
  const pipeline = redis.pipeline();
  for (const interval of CANDLE_INTERVALS) {
    // The index holds `<interval>:<15-digit open time>` fields: the last of an interval's range.
    pipeline.zrevrangebylex(
      index,
      `[${keys.candleField(interval, 999_999_999_999_999)}`,
      `[${keys.candleField(interval, 0)}`,
      'LIMIT',
      0,
      1,
    );
  }
  const replies = (await pipeline.exec()) ?? [];
  const fields = replies.map(([err, value]) => {
    if (err) throw err;
    return (value as string[])[0] ?? null;
  });
  const present = fields.filter((f): f is string => f !== null);
  const values = present.length > 0 ? await redis.hmget(keys.candles(market, symbol), ...present) : [];
  const byField = new Map(present.map((f, i) => [f, values[i] ?? null]));
  const candles: Candle[] = [];
  CANDLE_INTERVALS.forEach((interval, i) => {
    const field = fields[i];
    const value = field ? byField.get(field) : null;
    const candle = value ? resumable(interval, value, now) : null;
    if (candle) candles.push(candle);
  });
  const [newest] = await deps.data.getRecentTrades(symbol, 1);
  return { candles: { candles }, lastAggTradeId: newest?.id ?? -1 };
}

/**
 * The stored value as the builder's candle, or null when it cannot be continued: the exchange's
 * own kline (`final`: it carries no trade ids) or one without trades.
 */
export function resumable(interval: Candle['interval'], value: string, now: number): Candle | null {
  const [rankText, finalText] = value.split('|', 2);
  const rank = Number(rankText);
  const stored = decodeCandle(value, now);
  if (!stored || finalText === '1' || !Number.isSafeInteger(rank) || rank < 0 || stored.trades <= 0) {
    return null;
  }
  return {
    interval,
    openTime: stored.openTime,
    closeTime: stored.closeTime,
    open: stored.open,
    high: stored.high,
    low: stored.low,
    close: stored.close,
    volume: stored.volume,
    quoteVolume: stored.quoteVolume,
    // Not stored (no answer carries them): a resumed candle counts them from here on only.
    takerBuyVolume: '0',
    takerBuyQuoteVolume: '0',
    trades: stored.trades,
    // A symbol's trade ids are consecutive, and a candle holds every trade of its time.
    firstTradeId: rank - stored.trades + 1,
    lastTradeId: rank,
    closed: stored.closed,
  };
}
