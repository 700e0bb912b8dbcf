import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertCacheKey, keyvCacheKey, keyvCacheNamespace } from '../../src/redis/keys/index.ts';

describe('Keyv keys in the key registry', () => {
  it('turns any well-formed string into a valid cache key that decodes back to it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), (key) => {
        const cacheKey = keyvCacheKey(key);
        expect(assertCacheKey(cacheKey)).toBe(cacheKey);
        // `%` itself is always escaped, so percent-decoding is the exact inverse: no two keys meet.
        expect(decodeURIComponent(cacheKey)).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves plain keys as they are and escapes what would reach outside a key', () => {
    expect(keyvCacheKey('ticker:BTCUSDT')).toBe('ticker:BTCUSDT');
    expect(keyvCacheKey('a b*?[x]\\{y}')).toBe('a%20b%2A%3F%5Bx%5D%5C%7By%7D');
    expect(keyvCacheKey('~tag:spot')).toBe('%7Etag:spot');
    expect(keyvCacheKey('100%')).toBe('100%25');
  });

  it('refuses keys that cannot be stored as they are', () => {
    expect(() => keyvCacheKey('')).toThrow('illegal cache key');
    expect(() => keyvCacheKey('\ud800')).toThrow('not a well-formed string');
    expect(() => keyvCacheKey('é'.repeat(100))).toThrow('illegal cache key');
  });

  it('maps a Keyv namespace to its own cache namespace and refuses names that are not one', () => {
    expect(keyvCacheNamespace('keyv', 'sessions')).toBe('keyv.sessions');
    expect(keyvCacheNamespace('keyv', undefined)).toBe('keyv');
    for (const bad of ['a:b', 'a b', '*', 'x'.repeat(64)]) {
      expect(() => keyvCacheNamespace('keyv', bad)).toThrow('illegal cache namespace');
    }
  });
});
