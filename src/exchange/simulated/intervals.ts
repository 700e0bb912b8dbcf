/**
 * Kline interval arithmetic in UTC. Fixed-length intervals align to the epoch, weeks start on
 * Monday 00:00 UTC (as Binance's 1w candles do) and `1M` follows calendar months.
 */
import { KLINE_INTERVALS, type KlineInterval, type MarketType } from '../types.ts';

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

/** Whether `value` is an interval the given market accepts (futures have no `1s`). */
export function isInterval(value: string, market: MarketType): value is KlineInterval {
  if (market === 'futures' && value === '1s') return false;
  return (KLINE_INTERVALS as readonly string[]).includes(value);
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

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
