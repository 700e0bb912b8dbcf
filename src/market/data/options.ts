/**
 * Settings of the live market caches, with their defaults in one place (seed 002: real-time data
 * 10-30 s, statistics minutes, static data an hour). `app.ts` fills them from the `MARKET_*`
 * variables.
 */
import type { CandleInterval } from '../prices/candle-codec.ts';

/** Parts of the price history with a retention. */
export type RetentionPart = 'ticks' | CandleInterval;

export interface LiveMarketOptions {
  /** TTL of prices, best bid/ask, order books, recent trades and premium index, from the write. @default 30_000 */
  readonly realtimeTtlMs?: number;
  /** TTL of 24h statistics. @default 300_000 */
  readonly statsTtlMs?: number;
  /** TTL of symbol information. @default 3_600_000 */
  readonly infoTtlMs?: number;
  /** Age (from the exchange time) under which a price is fresh in answers. @default 10_000 */
  readonly freshMs?: number;
  /** Recent trades kept per symbol. @default 100 */
  readonly tradesKept?: number;
  /** Order book levels kept per side; at least 20. @default 20 */
  readonly orderBookDepth?: number;
  /** Retention per part (ms): ticks 24 h, 1m 7 d, 5m/15m 30 d, 1h and up 365 d. */
  readonly retentionMs?: Partial<Record<RetentionPart, number>>;
}

const DAY = 86_400_000;

export const DEFAULT_RETENTION_MS: Readonly<Record<RetentionPart, number>> = {
  ticks: DAY,
  '1m': 7 * DAY,
  '5m': 30 * DAY,
  '15m': 30 * DAY,
  '1h': 365 * DAY,
  '4h': 365 * DAY,
  '1d': 365 * DAY,
};

export type ResolvedLiveMarketOptions = Required<Omit<LiveMarketOptions, 'retentionMs'>> & {
  readonly retentionMs: Readonly<Record<RetentionPart, number>>;
};

export function resolveLiveMarketOptions(options: LiveMarketOptions = {}): ResolvedLiveMarketOptions {
  const depth = options.orderBookDepth ?? 20;
  if (!Number.isInteger(depth) || depth < 20)
    throw new Error('orderBookDepth must be an integer of at least 20');
  return {
    realtimeTtlMs: options.realtimeTtlMs ?? 30_000,
    statsTtlMs: options.statsTtlMs ?? 300_000,
    infoTtlMs: options.infoTtlMs ?? 3_600_000,
    freshMs: options.freshMs ?? 10_000,
    tradesKept: options.tradesKept ?? 100,
    orderBookDepth: depth,
    retentionMs: Object.freeze({ ...DEFAULT_RETENTION_MS, ...options.retentionMs }),
  };
}
