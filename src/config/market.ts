/**
 * The market data settings: TTLs of the live records (seed 002: real-time data 10-30 s,
 * statistics minutes, static data an hour and more), when a price counts as fresh, how much
 * of the book and the trade tape is kept, and the retention of the price series and candles.
 */
import { type Env, int, invalid, read } from './parse.ts';

/** Parts of the price history with a retention: the tick series and the six candle intervals. */
export const RETENTION_PARTS = ['ticks', '1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type RetentionPart = (typeof RETENTION_PARTS)[number];

/** Default retention, as `MARKET_RETENTION` writes it. */
export const DEFAULT_RETENTION = 'ticks=24h,1m=7d,5m=30d,15m=30d,1h=365d,4h=365d,1d=365d';

export interface MarketConfig {
  /** TTL of prices, best bid/ask, order books, recent trades, premium index (s). */
  readonly realtimeTtlSec: number;
  /** TTL of the 24h statistics (s). */
  readonly statsTtlSec: number;
  /** TTL of symbol information (s). */
  readonly infoTtlSec: number;
  /** A price whose exchange time is at most this old is `fresh` in the HTTP answers (ms). */
  readonly freshMs: number;
  /** Recent trades kept per symbol. */
  readonly tradesKept: number;
  /** Levels per side kept of each order book (at least 20). */
  readonly orderBookDepth: number;
  /** Retention per part, in ms. */
  readonly retentionMs: Readonly<Record<RetentionPart, number>>;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function loadMarketConfig(e: Env): MarketConfig {
  return {
    realtimeTtlSec: int(e, 'MARKET_REALTIME_TTL', 30, 1, 86_400),
    statsTtlSec: int(e, 'MARKET_STATS_TTL', 300, 1, 7 * 86_400),
    infoTtlSec: int(e, 'MARKET_INFO_TTL', 3600, 1, 30 * 86_400),
    freshMs: int(e, 'MARKET_FRESH_MS', 10_000, 1, 86_400_000),
    tradesKept: int(e, 'MARKET_TRADES_KEPT', 100, 1, 10_000),
    orderBookDepth: int(e, 'ORDER_BOOK_DEPTH', 20, 20, 5000),
    retentionMs: Object.freeze(retention(e)),
  };
}

/** `MARKET_RETENTION`: `part=<n><s|m|h|d>` pairs; parts left out keep their default. */
function retention(e: Env): Record<RetentionPart, number> {
  const result = parsePairs(DEFAULT_RETENTION);
  const raw = read(e, 'MARKET_RETENTION');
  if (raw === undefined) return result;
  const given = parsePairs(raw);
  return { ...result, ...given };
}

function parsePairs(text: string): Record<RetentionPart, number> {
  const out: Partial<Record<RetentionPart, number>> = {};
  for (const pair of text.split(',')) {
    const m = /^\s*([a-z0-9]+)\s*=\s*(\d{1,6})([smhd])\s*$/.exec(pair);
    const part = m?.[1] as RetentionPart | undefined;
    if (!m || !part || !RETENTION_PARTS.includes(part) || Number(m[2]) < 1) {
      throw invalid(
        'MARKET_RETENTION',
        `expected comma-separated part=<n><s|m|h|d> with parts ${RETENTION_PARTS.join(', ')} (e.g. ${DEFAULT_RETENTION})`,
      );
    }
    out[part] = Number(m[2]) * (UNIT_MS[m[3] ?? 's'] ?? 1000);
  }
  return out as Record<RetentionPart, number>;
}
