/**
 * The one place that builds Redis keys. Every key is `<prefix>:<namespace>:...`; the seeds'
 * keys (`cache:symbols:spot:v1`, `metrics:cache_hit:symbols_spot`, ...) are kept as written
 * under the prefix. User input never reaches a key without passing `assertKeyPart`.
 */
export type SymbolMarket = 'spot' | 'futures';

const KEY_PART = /^[A-Za-z0-9_.-]{1,128}$/;

export function assertKeyPart(part: string): string {
  if (!KEY_PART.test(part)) throw new Error(`illegal key part: ${JSON.stringify(part).slice(0, 40)}`);
  return part;
}

export function createKeys(prefix: string) {
  assertKeyPart(prefix);
  const k = (...parts: string[]) => `${prefix}:${parts.join(':')}`;
  const symbolsBase = (market: SymbolMarket) => `cache:symbols:${market}:v1`;
  return {
    prefix,
    /** Matches every key of this deployment; for SCAN only, never KEYS. */
    all: `${prefix}:*`,
    symbols: {
      /** Fresh list with TTL (seed: SPOT_SYMBOLS_CACHE_KEY / FUTURES_SYMBOLS_CACHE_KEY). */
      cache: (market: SymbolMarket) => k(symbolsBase(market)),
      /** Last successful list, no TTL (seed: *_SYMBOLS_CACHE_LAST_GOOD_KEY). */
      lastGood: (market: SymbolMarket) => k(`${symbolsBase(market)}:last_good`),
      /** Epoch ms of the last successful refresh (seed: *_SYMBOLS_CACHE_REFRESH_TS_KEY). */
      refreshedAt: (market: SymbolMarket) => k(`${symbolsBase(market)}:refresh_ts`),
    },
    metrics: {
      cacheHit: (name: string) => k('metrics', 'cache_hit', assertKeyPart(name)),
      cacheMiss: (name: string) => k('metrics', 'cache_miss', assertKeyPart(name)),
      warmupSuccess: (name: string) => k('metrics', 'warmup_success', assertKeyPart(name)),
      warmupError: (name: string) => k('metrics', 'warmup_error', assertKeyPart(name)),
      warmupLastRun: (name: string) => k('metrics', 'warmup_last_run', assertKeyPart(name)),
    },
    /**
     * BullMQ prefix. The braces are a Redis Cluster hash tag: all keys of a queue must share a
     * slot for BullMQ's Lua scripts.
     */
    bullPrefix: `{${prefix}:bull}`,
  };
}

export type Keys = ReturnType<typeof createKeys>;

/** Metric names of the seeds: `symbols_spot`, `symbols_futures`. */
export function symbolsMetricName(market: SymbolMarket): string {
  return `symbols_${market}`;
}
