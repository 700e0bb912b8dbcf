/**
 * The market feed settings: where prices come from (streams with REST as fallback, or REST
 * only), how often REST polls, which symbols get trades, books and candles, which markets run,
 * and the leader lease that lets one worker per market run the feed.
 */
import { MARKET_TYPES, type MarketType } from '../trading/index.ts';
import { type Env, int, invalid, oneOf, read } from './parse.ts';

export const FEED_SOURCES = ['stream', 'rest'] as const;
export type FeedSource = (typeof FEED_SOURCES)[number];

export interface FeedConfig {
  /** `stream`: WebSocket streams, REST only while a stream is down; `rest`: REST polling only. */
  readonly source: FeedSource;
  /** All-symbol prices and best bid/ask (and watched depth/trades when REST runs them), ms. */
  readonly intervalMs: number;
  /** All-symbol 24h statistics, ms. */
  readonly statsIntervalMs: number;
  /** Watched symbols; null = the first ten of each market's symbol list. */
  readonly watchSymbols: readonly string[] | null;
  /** Markets whose feed this process may lead (empty: none). */
  readonly markets: readonly MarketType[];
  /** TTL of the leader lease; renewed at a third of it, so a dead leader is replaced within it. */
  readonly leaseTtlMs: number;
  /** A stream connection silent for this long is dropped and reconnected (we ping at half). */
  readonly streamLivenessMs: number;
  /**
   * Most symbols WebSocket clients can add to a market's watch list (the most recently
   * announced win): each costs the leader streams, a depth snapshot and candle work.
   */
  readonly maxClientWatched: number;
}

export function loadFeedConfig(e: Env): FeedConfig {
  return {
    source: oneOf(e, 'FEED_SOURCE', FEED_SOURCES, 'stream'),
    intervalMs: int(e, 'FEED_INTERVAL_MS', 2000, 100, 3_600_000),
    statsIntervalMs: int(e, 'FEED_STATS_INTERVAL_MS', 30_000, 1000, 86_400_000),
    watchSymbols: symbolList(e, 'FEED_WATCH_SYMBOLS'),
    markets: markets(e),
    leaseTtlMs: int(e, 'FEED_LEASE_TTL_MS', 5000, 300, 600_000),
    streamLivenessMs: int(e, 'FEED_STREAM_LIVENESS_MS', 60_000, 1000, 600_000),
    maxClientWatched: int(e, 'FEED_MAX_CLIENT_WATCHED', 100, 0, 1000),
  };
}

function symbolList(e: Env, name: string): string[] | null {
  const raw = read(e, name);
  if (raw === undefined) return null;
  const list = raw.split(',').map((s) => s.trim().toUpperCase());
  if (list.some((s) => !/^[A-Z0-9]{2,30}$/.test(s))) {
    throw invalid(name, 'expected comma-separated symbols like BTCUSDT,ETHUSDT');
  }
  return [...new Set(list)];
}

function markets(e: Env): MarketType[] {
  const raw = read(e, 'FEED_MARKETS');
  if (raw === undefined) return ['spot'];
  if (raw.toLowerCase() === 'none') return [];
  const list = raw.split(',').map((s) => s.trim().toLowerCase());
  if (list.some((m) => !(MARKET_TYPES as readonly string[]).includes(m))) {
    throw invalid('FEED_MARKETS', `expected a comma-separated list of ${MARKET_TYPES.join(', ')}, or none`);
  }
  return [...new Set(list)] as MarketType[];
}
