import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { ExchangeClient, Kline, KlineInterval, MarketType } from '../trading/index.ts';
import type { TimeRange } from './dates.ts';

/** Most rows one klines request returns (FORMATS.md §2, §4). */
export const PAGE_LIMIT: Record<MarketType, number> = { spot: 1000, futures: 1500 };

/** REQUEST_WEIGHT per minute (spot since 2023-08, USDⓈ-M futures). */
export const DEFAULT_WEIGHT_LIMITS: Record<MarketType, number> = { spot: 6000, futures: 2400 };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Waits, or throws ABORTED as soon as the signal fires. */
export const abortableSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    throw aborted(err);
  }
};

export function aborted(cause?: unknown): TradecacheError {
  return new TradecacheError(ErrorCodes.ABORTED, 'history fetch aborted', { cause });
}

export interface PagerOptions {
  readonly exchange: ExchangeClient;
  readonly market: MarketType;
  readonly symbol: string;
  readonly interval: KlineInterval;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly weightLimit: number;
  /** Fraction of the limit above which the pager waits for the next minute window. */
  readonly weightThreshold: number;
  readonly signal?: AbortSignal;
}

/**
 * Walks a span page by page (`end` exclusive): each page starts at the open time following
 * the last candle of the previous one. Calls `onPage` with the rows and how far the span is now known to be
 * covered, so the caller can store progress as it goes (which makes fetches resumable).
 */
export async function fetchSpanPages(
  span: TimeRange,
  options: PagerOptions,
  onPage: (rows: Kline[], coveredUntil: number) => Promise<void>,
): Promise<void> {
  const limit = PAGE_LIMIT[options.market];
  let cursor = span.start;
  while (cursor < span.end) {
    if (options.signal?.aborted) throw aborted(options.signal.reason);
    await waitForWeight(options);
    const page = await options.exchange.getKlines(
      options.market,
      { symbol: options.symbol, interval: options.interval, startTime: cursor, endTime: span.end - 1, limit },
      options.signal ? { signal: options.signal } : undefined,
    );
    const rows = page.filter((k) => k.openTime >= cursor && k.openTime < span.end);
    const last = rows.length > 0 ? rows[rows.length - 1] : undefined;
    // The next candle opens right after the last one closes (closeTime = open + interval - 1).
    const next = last ? Math.max(last.closeTime + 1, last.openTime + 1) : span.end;
    // A short page means the exchange has nothing more in the span; a full one may be followed.
    const more = page.length >= limit && next < span.end;
    const coveredUntil = more ? next : span.end;
    await onPage(rows, coveredUntil);
    if (!more) return;
    cursor = coveredUntil;
  }
}

/**
 * Slows down before the exchange does: while a 429/418 pause is on, wait it out; when the
 * minute's used weight is near the limit, wait for the next fixed one-minute window.
 */
async function waitForWeight(options: PagerOptions): Promise<void> {
  const snapshot = options.exchange.weight(options.market);
  const now = options.now();
  if (snapshot.pausedUntil !== null && snapshot.pausedUntil > now) {
    await options.sleep(snapshot.pausedUntil - now, options.signal);
    return;
  }
  if (
    snapshot.usedWeight1m === null ||
    snapshot.usedWeight1m < options.weightLimit * options.weightThreshold
  ) {
    return;
  }
  const observedAt = snapshot.observedAt ?? now;
  const nextWindow = Math.floor(observedAt / 60_000) * 60_000 + 60_000;
  if (nextWindow > now) await options.sleep(nextWindow - now, options.signal);
}
