/**
 * The one key registry of a deployment. Features receive their builder (`keys.sessions`,
 * `keys.cache`, ...), never a prefix string, and user input reaches a key only through the
 * validators in `validators.ts`.
 *
 * Two roots:
 * - the keys shared with the Python platform (the symbol lists and their counters) are
 *   `<prefix>:<its key>`; with `REDIS_KEY_PREFIX=` (empty) they are exactly its keys
 *   (`cache:symbols:spot:v1`, `metrics:cache_hit:symbols_spot`, ...), so both systems can share
 *   one Redis while a team migrates;
 * - every other key is under `root:` (the prefix, or `tradecache` when the prefix is empty), so
 *   a SCAN of `root:*` finds all of ours and nothing foreign in both modes.
 *
 * Redis Cluster hash tags, per area: see each builder's header. BullMQ's prefix is one tag, as its
 * scripts touch every key of a queue together.
 */
import type { MarketType } from '../../trading/index.ts';
import { createAlertKeys } from './alerts.ts';
import { createCacheEngineKeys } from './cache.ts';
import { createMarketKeys } from './market.ts';
import { createSessionKeys } from './sessions.ts';
import { assertKeyPart } from './validators.ts';

/** Root of our own keys when `REDIS_KEY_PREFIX` is empty (Python-compatible shared keys). */
export const UNPREFIXED_ROOT = 'tradecache';

export function createKeys(prefix: string) {
  if (prefix !== '') assertKeyPart(prefix, 'key prefix');
  const shared = (key: string) => (prefix === '' ? key : `${prefix}:${key}`);
  const root = prefix === '' ? UNPREFIXED_ROOT : prefix;
  const symbolsBase = (market: MarketType) => shared(`cache:symbols:${market}:v1`);
  const counter = (kind: string, name: string) =>
    shared(`metrics:${kind}:${assertKeyPart(name, 'metric name')}`);
  return {
    prefix,
    /** Root of our own (not shared) keys. */
    root,
    /** SCAN pattern of every key of ours outside the shared ones; for SCAN only, never KEYS. */
    ownKeys: `${root}:*`,
    symbols: {
      /** Fresh list with TTL (Python: SPOT_SYMBOLS_CACHE_KEY / FUTURES_SYMBOLS_CACHE_KEY). */
      cache: (market: MarketType) => symbolsBase(market),
      /** Last successful list, no TTL (Python: *_SYMBOLS_CACHE_LAST_GOOD_KEY). */
      lastGood: (market: MarketType) => `${symbolsBase(market)}:last_good`,
      /** Epoch ms of the last successful refresh (Python: *_SYMBOLS_CACHE_REFRESH_TS_KEY). */
      refreshedAt: (market: MarketType) => `${symbolsBase(market)}:refresh_ts`,
    },
    /** Counters every process adds to (Python: `metrics:<counter>:<name>`). */
    metrics: {
      cacheHit: (name: string) => counter('cache_hit', name),
      cacheMiss: (name: string) => counter('cache_miss', name),
      warmupSuccess: (name: string) => counter('warmup_success', name),
      warmupError: (name: string) => counter('warmup_error', name),
      warmupLastRun: (name: string) => counter('warmup_last_run', name),
    },
    /** The cache engine's root; its counters share the `metrics` layout above. */
    cache: createCacheEngineKeys(`${root}:cache`),
    sessions: createSessionKeys(root),
    market: createMarketKeys(root),
    alerts: createAlertKeys(root),
    /**
     * BullMQ prefix. The braces are a Redis Cluster hash tag: all keys of a queue must share a
     * slot for BullMQ's Lua scripts.
     */
    bullPrefix: `{${root}:bull}`,
  };
}

export type Keys = ReturnType<typeof createKeys>;

/** BullMQ's event stream of queue `queueName` under `bullPrefix` (BullMQ's own layout, read only). */
export function bullEventsKey(bullPrefix: string, queueName: string): string {
  return `${bullPrefix}:${queueName}:events`;
}

/** Metric names of the symbol lists: `symbols_spot`, `symbols_futures`. */
export function symbolsMetricName(market: MarketType): string {
  return `symbols_${market}`;
}

export { type AlertKeys, type AlertSide, createAlertKeys } from './alerts.ts';
export {
  type CacheCounter,
  type CacheEngineKeys,
  type CacheKeys,
  cacheKeyOf,
  createCacheEngineKeys,
  createCacheKeys,
} from './cache.ts';
export { keyvCacheKey, keyvCacheNamespace } from './keyv.ts';
export { createMarketKeys, type MarketKeys } from './market.ts';
export { createSessionKeys, type SessionKeys } from './sessions.ts';
export {
  assertCacheKey,
  assertInterval,
  assertKeyPart,
  assertKeyPattern,
  assertMarket,
  assertNamespace,
  assertSymbol,
  assertUserId,
  isSessionId,
  KEY_PART_PATTERN,
  SESSION_ID_PATTERN,
  USER_ID_PATTERN,
} from './validators.ts';
