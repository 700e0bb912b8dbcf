import { ErrorCodes, TradecacheError } from '../errors.ts';
import { KLINE_INTERVALS, type KlineInterval, MARKET_TYPES, type MarketType } from '../exchange/types.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Fixed length of each interval in ms; `1M` is a calendar month and is handled apart. */
const FIXED_MS: Record<Exclude<KlineInterval, '1M'>, number> = {
  '1s': 1000,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': 60 * MINUTE,
  '2h': 120 * MINUTE,
  '4h': 240 * MINUTE,
  '6h': 360 * MINUTE,
  '8h': 480 * MINUTE,
  '12h': 720 * MINUTE,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': 7 * DAY,
};

/** Binance weeks open on Monday 00:00 UTC; the epoch was a Thursday, 4 days later than a Monday. */
const WEEK_OFFSET = 4 * DAY;

/** Checks an interval string (case-sensitive, `1m` ≠ `1M`). */
export function assertInterval(value: unknown): KlineInterval {
  if (typeof value === 'string' && (KLINE_INTERVALS as readonly string[]).includes(value)) {
    return value as KlineInterval;
  }
  throw new TradecacheError(
    ErrorCodes.EXCHANGE_INVALID_INTERVAL,
    `unknown kline interval: ${String(value)}`,
    {
      context: { interval: String(value).slice(0, 20), allowed: KLINE_INTERVALS },
    },
  );
}

/** Checks a market type (`spot` | `futures`). */
export function assertMarket(value: unknown): MarketType {
  if (typeof value === 'string' && (MARKET_TYPES as readonly string[]).includes(value)) {
    return value as MarketType;
  }
  throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, `unknown market: ${String(value).slice(0, 20)}`, {
    context: { allowed: MARKET_TYPES },
  });
}

const SYMBOL = /^[A-Z0-9]{2,30}$/;

/** Upper-cases and checks a symbol; symbols never reach a file name, but logs and keys stay clean. */
export function assertSymbol(value: unknown): string {
  const symbol = typeof value === 'string' ? value.toUpperCase() : '';
  if (!SYMBOL.test(symbol)) {
    throw new TradecacheError(ErrorCodes.EXCHANGE_INVALID_SYMBOL, 'symbol must be 2-30 letters or digits', {
      context: { symbol: String(value).slice(0, 40) },
    });
  }
  return symbol;
}

/** Nominal interval length in ms (a month counts as 30 days: used for estimates only). */
export function intervalMs(interval: KlineInterval): number {
  return interval === '1M' ? 30 * DAY : FIXED_MS[interval];
}

/** Open time of the candle that contains `ts`. */
export function alignDown(ts: number, interval: KlineInterval): number {
  if (interval === '1M') {
    const d = new Date(ts);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const step = FIXED_MS[interval];
  const offset = interval === '1w' ? WEEK_OFFSET : 0;
  return Math.floor((ts - offset) / step) * step + offset;
}

/** How many candles a range [start, end) holds, at most (an estimate for progress bars). */
export function expectedCandles(start: number, end: number, interval: KlineInterval): number {
  if (end <= start) return 0;
  return Math.ceil((end - start) / intervalMs(interval));
}
