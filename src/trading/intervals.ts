/**
 * Kline intervals and their arithmetic in UTC. Fixed-length intervals align to the epoch, weeks
 * start on Monday 00:00 UTC (as Binance's 1w candles do) and `1M` follows calendar months.
 * Every function takes the interval first.
 */
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { MarketType } from './markets.ts';

export const KLINE_INTERVALS = [
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const;
export type KlineInterval = (typeof KLINE_INTERVALS)[number];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 1970-01-01 was a Thursday; Monday candles start four days later. */
const WEEK_OFFSET = 4 * DAY;

const FIXED_MS: Readonly<Record<Exclude<KlineInterval, '1M'>, number>> = {
  '1s': SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': 7 * DAY,
};

/** Intervals a market accepts: futures have every spot interval except `1s`. */
export function intervalsFor(market: MarketType): readonly KlineInterval[] {
  return market === 'futures' ? KLINE_INTERVALS.filter((i) => i !== '1s') : KLINE_INTERVALS;
}

/** Whether `value` is an interval (of `market`, when given). Case-sensitive: `1m` ≠ `1M`. */
export function isInterval(value: unknown, market?: MarketType): value is KlineInterval {
  if (market === 'futures' && value === '1s') return false;
  return (KLINE_INTERVALS as readonly unknown[]).includes(value);
}

/** Checks an interval given by a user; EXCHANGE_INVALID_INTERVAL lists the allowed ones. */
export function assertInterval(value: unknown, market?: MarketType): KlineInterval {
  if (isInterval(value, market)) return value;
  const shown = String(value).slice(0, 20);
  throw new TradecacheError(
    ErrorCodes.EXCHANGE_INVALID_INTERVAL,
    `unknown ${market ? `${market} ` : ''}kline interval: ${shown}`,
    { context: { interval: shown, allowed: market ? intervalsFor(market) : KLINE_INTERVALS } },
  );
}

/** Nominal interval length in ms (a month counts as 30 days: used for estimates only). */
export function intervalMs(interval: KlineInterval): number {
  return interval === '1M' ? 30 * DAY : FIXED_MS[interval];
}

/** Open time of the candle containing t. */
export function alignDown(interval: KlineInterval, t: number): number {
  if (interval === '1M') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const ms = FIXED_MS[interval];
  const offset = interval === '1w' ? WEEK_OFFSET : 0;
  return t - mod(t - offset, ms);
}

/** Open time of the first candle opening at or after t. */
export function alignUp(interval: KlineInterval, t: number): number {
  const down = alignDown(interval, t);
  return down === t ? t : nextOpen(interval, down);
}

/** Open time of the candle after the one opening at `openTime`. */
export function nextOpen(interval: KlineInterval, openTime: number): number {
  if (interval === '1M') {
    const d = new Date(openTime);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return openTime + FIXED_MS[interval];
}

/** Open time of the candle before the one opening at `openTime`. */
export function previousOpen(interval: KlineInterval, openTime: number): number {
  if (interval === '1M') {
    const d = new Date(openTime);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  }
  return openTime - FIXED_MS[interval];
}

/** How many candles a range [start, end) holds, at most (an estimate for progress bars and caps). */
export function expectedCandles(interval: KlineInterval, start: number, end: number): number {
  if (end <= start) return 0;
  return Math.ceil((end - start) / intervalMs(interval));
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
