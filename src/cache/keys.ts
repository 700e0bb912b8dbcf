/**
 * Cache key layout (every key under the engine prefix, so SCAN can find all of them):
 *   value   `<prefix>:<ns>:<key>`
 *   tag set `<prefix>:<ns>:~tag:<tag>`   (cleared with the namespace)
 *   lease   `<prefix>:~lease:<ns>:<key>` (outside the namespace: `clear()` must not break a fill)
 * Names and keys are checked so user input can neither escape its namespace nor smuggle SCAN glob
 * characters into `clear()` / pattern invalidation.
 */
const NAMESPACE = /^[A-Za-z0-9_.-]{1,64}$/;
// Printable ASCII without glob characters (* ? [ ] \), hash-tag braces and spaces.
const KEY = /^[!-)+->@-Z^-z|~]{1,512}$/;
const PATTERN = /^[!->@-Z^-z|~]{1,512}$/;

export function assertNamespace(name: string): string {
  if (!NAMESPACE.test(name)) throw new Error(`illegal cache namespace: ${JSON.stringify(name).slice(0, 40)}`);
  return name;
}

export function assertCacheKey(key: string): string {
  if (!KEY.test(key) || key.startsWith('~')) {
    throw new Error(`illegal cache key: ${JSON.stringify(key).slice(0, 60)}`);
  }
  return key;
}

/** A key pattern for invalidation: a key whose only glob character is `*`. */
export function assertKeyPattern(pattern: string): string {
  if (!PATTERN.test(pattern) || pattern.startsWith('~')) {
    throw new Error(`illegal cache key pattern: ${JSON.stringify(pattern).slice(0, 60)}`);
  }
  return pattern;
}

export function createCacheKeys(prefix: string, ns: string) {
  assertNamespace(ns);
  const base = `${prefix}:${ns}:`;
  return {
    base,
    value: (key: string) => base + key,
    /** Inverse of `value` for keys known to be in this namespace. */
    keyOf: (redisKey: string) => redisKey.slice(base.length),
    tag: (tag: string) => `${base}~tag:${assertCacheKey(tag)}`,
    lease: (key: string) => `${prefix}:~lease:${ns}:${key}`,
    /** SCAN pattern of every value and tag set of the namespace. */
    scanAll: `${base}*`,
    scanPattern: (pattern: string) => base + assertKeyPattern(pattern),
  };
}

export type CacheKeys = ReturnType<typeof createCacheKeys>;
