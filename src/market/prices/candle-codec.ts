/**
 * Candles as stored: one HASH field per interval and open time, the value
 * `<rank>|<final>|<openTime>|<closeTime>|<open>|<high>|<low>|<close>|<volume>|<quoteVolume>|<trades>|<closed>`.
 * The rank (last trade id) and the final flag come first so the tick script decides which of two
 * versions of a candle wins without decoding the rest.
 */
import { CANDLE_INTERVALS, type CandleInterval } from '../candles/types.ts';

/** The intervals tradecache keeps candles of: the ones the candle builder makes. */
export { CANDLE_INTERVALS, type CandleInterval };

export function isCandleInterval(value: unknown): value is CandleInterval {
  return (CANDLE_INTERVALS as readonly unknown[]).includes(value);
}

/** One OHLCV candle. Prices and volumes are exact decimal strings. */
export interface Candle {
  readonly openTime: number;
  /** openTime + interval − 1 ms, as the exchange's klines. */
  readonly closeTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  /** Base asset volume (exact sum). */
  readonly volume: string;
  /** Quote asset volume, Σ price × quantity (exact). */
  readonly quoteVolume: string;
  /** Number of exchange trades (like the kline's `n`). */
  readonly trades: number;
  /** Whether the candle's time has passed (or its writer said so). */
  readonly closed: boolean;
}

/** Only the stored members of `c` (a builder's candle carries more), as a new object. */
export function storedMembers(c: Candle): Candle {
  return {
    openTime: c.openTime,
    closeTime: c.closeTime,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    quoteVolume: c.quoteVolume,
    trades: c.trades,
    closed: c.closed,
  };
}

/**
 * Which of two versions of one candle wins: a `final` one (the exchange's own closed kline)
 * beats any built from trades, and among those built from trades the higher `lastTradeId`.
 */
export interface CandleOrder {
  /** Id of the last trade in the candle; -1 when unknown. */
  readonly lastTradeId: number;
  /** The exchange's closed kline (reconciliation): it replaces whatever was built. @default false */
  readonly final?: boolean;
}

export function encodeCandle(candle: Candle, order: CandleOrder): string {
  return [
    order.lastTradeId,
    order.final ? 1 : 0,
    candle.openTime,
    candle.closeTime,
    candle.open,
    candle.high,
    candle.low,
    candle.close,
    candle.volume,
    candle.quoteVolume,
    candle.trades,
    candle.closed ? 1 : 0,
  ].join('|');
}

/** The candle; `closed` also when its close time is before `now`. Null when not ours. */
export function decodeCandle(value: string, now: number): Candle | null {
  const p = value.split('|');
  if (p.length !== 12) return null;
  const closeTime = Number(p[3]);
  return {
    openTime: Number(p[2]),
    closeTime,
    open: p[4] ?? '',
    high: p[5] ?? '',
    low: p[6] ?? '',
    close: p[7] ?? '',
    volume: p[8] ?? '',
    quoteVolume: p[9] ?? '',
    trades: Number(p[10]),
    closed: p[11] === '1' || closeTime < now,
  };
}
