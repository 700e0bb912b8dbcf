/**
 * Keys of the cache engine under its root (`<root>:cache`):
 *   value   `<root>:cache:<ns>:<key>`
 *   tag set `<root>:cache:<ns>:~tag:<tag>`   (cleared with the namespace)
 *   lease   `<root>:cache:~lease:<ns>:<key>` (outside the namespace: `clear()` must not break a fill)
 *   bus     `<root>:cache:~bus`               (pub/sub channel of the engines sharing the root)
 *
 * Hash tags: none. An entry's value, lease and tag sets are touched by single-key commands
 * (pipelined per master on a Cluster, see SlotPipelines); the batched MGET/UNLINK of many entries
 * spans slots, so on Redis Cluster they are split per slot by the caller rather than forced into
 * one slot (which would put a whole namespace on one node).
 */
import { assertCacheKey, assertKeyPattern, assertNamespace } from './validators.ts';

export type CacheCounter = 'cache_hit' | 'cache_miss';

/** The engine's keys under `root`, e.g. `tradecache:cache`. */
export function createCacheEngineKeys(root: string) {
  return {
    root,
    /** Pub/sub channel of every engine under this root. */
    channel: `${root}:~bus`,
    /** SCAN pattern of every key of the engine: values, tag sets, leases (SCAN only, never KEYS). */
    scanAll: `${root}:*`,
    /** The Redis-key prefix of namespace `ns` (with its trailing `:`). */
    namespaceBase: (ns: string) => `${root}:${assertNamespace(ns)}:`,
    namespace: (ns: string) => createCacheKeys(root, ns),
    /**
     * The hit/miss counter of a namespace, read by every process: `<root minus :cache>:metrics:
     * <counter>:<ns>` (the Python platform's `metrics:cache_hit:symbols_spot` layout).
     */
    counter: (counter: CacheCounter, ns: string) =>
      `${root.endsWith(':cache') ? root.slice(0, -':cache'.length) : root}:metrics:${counter}:${assertNamespace(ns)}`,
  };
}

export type CacheEngineKeys = ReturnType<typeof createCacheEngineKeys>;

/** Keys of one namespace. */
export function createCacheKeys(root: string, ns: string) {
  assertNamespace(ns);
  const base = `${root}:${ns}:`;
  return {
    base,
    value: (key: string) => base + key,
    /** Inverse of `value` for keys known to be in this namespace. */
    keyOf: (redisKey: string) => redisKey.slice(base.length),
    tag: (tag: string) => `${base}~tag:${assertCacheKey(tag)}`,
    lease: (key: string) => `${root}:~lease:${ns}:${key}`,
    /** SCAN pattern of every value and tag set of the namespace. */
    scanAll: `${base}*`,
    scanPattern: (pattern: string) => base + assertKeyPattern(pattern),
  };
}

export type CacheKeys = ReturnType<typeof createCacheKeys>;

/**
 * A key inside a cache namespace made of several caller parts (a repository method and its
 * arguments, a route and its request digest): joined with `:` here so no feature builds keys.
 */
export function cacheKeyOf(...parts: string[]): string {
  return parts.join(':');
}
