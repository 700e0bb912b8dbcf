import type { AesGcmCipher } from '../crypto/aes-gcm.ts';
import type { FailSoftWarnings } from '../fail-soft-warnings.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RedisClient } from '../redis/client.ts';
import type { CacheCounter } from '../redis/keys/index.ts';
import type { Codec } from './codec/codec.ts';

/** Where a `getOrSetWithMeta` answer came from. */
export type CacheSource = 'l1' | 'l2' | 'factory' | 'stale' | 'last-good';

export interface CacheEngineOptions {
  /** Command connection; shared, not owned (the caller closes it). */
  redis: RedisClient;
  /** Builds a new, not yet connected connection for pub/sub; the engine owns and closes it. */
  subscriber: () => RedisClient;
  /** Key prefix of every cache key, e.g. `<keyPrefix>:cache`. Also names the bus channel. */
  prefix: string;
  logger: Logger;
  /**
   * Where fail-soft warnings (an L2 call skipped or failed, a stale answer served) go, counted
   * per cause and interval so an outage does not write one line per request. Shared, not owned.
   * @default one of the engine's own on `logger`, flushed by `close()`
   */
  warnings?: FailSoftWarnings;
  /** When given, `tradecache_cache_*` counters are registered on `metrics.registry`. */
  metrics?: Metrics;
  /**
   * Redis key of a namespace's hit/miss counter, added to by every process (the app passes the
   * registry's `keys.metrics`).
   * @default `<prefix minus :cache>:metrics:<counter>:<ns>`
   */
  counterKey?: (counter: CacheCounter, namespace: string) => string;
  /** Byte budget of the in-memory tier (encoded sizes). @default 64 MiB */
  l1MaxBytes?: number;
  /** Value codec. @default msgpackCodec (see codec/msgpack.ts for the measurement) */
  codec?: Codec;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Encoded values larger than this are deflated. @default 4096 */
  compressThresholdBytes?: number;
  /** Deadline of one Redis call made by the engine. @default 1000 */
  l2TimeoutMs?: number;
  /** Consecutive L2 failures that open the circuit breaker. @default 5 */
  breakerThreshold?: number;
  /** How long an open breaker skips Redis before one probe is let through. @default 2000 */
  breakerCooldownMs?: number;
  /** Period of the hit/miss counter flush to Redis. @default 1000 */
  metricsFlushMs?: number;
}

export interface NamespaceOptions<T = unknown> {
  /** Default TTL of values written to this namespace. @default 60_000 */
  ttlMs?: number;
  /** Encrypts values in Redis (AAD = the Redis key). L1 holds decrypted values. Not with `fixedKeys`. */
  encryption?: AesGcmCipher;
  /** Keep decoded values in the process-local tier. @default true */
  l1?: boolean;
  /**
   * Store values at caller-chosen Redis keys as plain JSON (no envelope), so data another program
   * reads or writes under fixed keys (the Python platform's `cache:symbols:spot:v1`) lives on the engine.
   */
  fixedKeys?: FixedKeyLayout<T>;
}

/**
 * Storage of a `fixedKeys` namespace. The value key holds the JSON of the value with PX = TTL;
 * its freshness is read back from PTTL. What the layout cannot express is refused with
 * CONFIG_INVALID: encryption (at creation), `graceMs` and `tags` (per call), `clear`,
 * `deleteMatching`, `invalidateTag` (the keys are not under the namespace prefix, so SCAN
 * cannot find them). Compression never applies. Lease, bus and L1 keys stay the engine's own.
 */
export interface FixedKeyLayout<T = unknown> {
  /** Redis key of the value of cache key `key`. Must be unique per key. */
  valueKey(key: string): string;
  /**
   * Redis key of the last-good copy, written without TTL next to the value when `lastGood` is
   * set; read back when a refresh fails and nothing fresher is known. Removed by `delete`.
   */
  lastGoodKey?(key: string): string;
  /**
   * Epoch ms at which a value was produced, for `ageMs` of values read back from Redis. Without
   * it the age of a value is estimated from its PTTL and the namespace TTL, and a last-good
   * copy reports age 0.
   */
  producedAt?(value: T): number;
  /**
   * Whether a value read from Redis may be served (plain JSON is not sealed: anyone can write
   * those keys). A refused value counts as a decode error and reads as missing.
   */
  accepts?(value: unknown, key: string): boolean;
}

export interface SetOptions {
  ttlMs?: number;
  tags?: readonly string[];
  /** Keep the value (as stale) this long after it expires. @default 0 */
  graceMs?: number;
  /** Keep the value after expiry for as long as Redis keeps it (no Redis TTL). */
  lastGood?: boolean;
}

export interface FactoryContext<T> {
  /** Aborted when the hard timeout fires or the engine closes. */
  readonly signal: AbortSignal;
  /** The stale value this refresh replaces, if any. */
  readonly stale: T | undefined;
  /** Return the value to the waiting callers without storing it. */
  skip(): void;
}

export type Factory<T> = (ctx: FactoryContext<T>) => T | Promise<T>;

export interface GetOrSetOptions {
  /** Freshness of the value; randomised by `jitter`. Defaults to the namespace TTL. */
  ttlMs?: number;
  /** Relative TTL jitter: 0.1 = ±10 %, spreading expiries of keys written together. @default 0.1 */
  jitter?: number;
  /** After expiry, serve the stale value this long when the factory fails or times out. @default 0 */
  graceMs?: number;
  /** Keep the last successful value beyond TTL and grace; served (with its age) when refresh fails. */
  lastGood?: boolean;
  /** With a stale value at hand, answer with it after this long and let the refresh finish alone. */
  softTimeoutMs?: number;
  /** Abort the factory and fail with CACHE_FACTORY_TIMEOUT (or serve stale) after this long. */
  hardTimeoutMs?: number;
  /** Refresh in the background when less than this fraction of the TTL remains (0..1). @default 0 */
  earlyRefresh?: number;
  tags?: readonly string[];
  /** Cross-process lease length; also the longest a waiter trusts a silent holder. @default 10_000 */
  leaseMs?: number;
}

export interface RefreshOptions extends GetOrSetOptions {
  /** Stops waiting and aborts a factory run this call started (e.g. a job's time limit). */
  signal?: AbortSignal;
}

export interface CacheResult<T> {
  value: T;
  source: CacheSource;
  /** Milliseconds since the value was produced by its factory / `set`. */
  ageMs: number;
}

/** Per-namespace counters kept in-process. */
export interface CacheNamespaceStats {
  hitsL1: number;
  hitsL2: number;
  misses: number;
  stale: number;
  lastGood: number;
  factoryCalls: number;
  factoryErrors: number;
  l2Errors: number;
  writeFailures: number;
  /** Values in Redis that could not be decoded or decrypted (treated as missing). */
  decodeErrors: number;
}
