import keyvTestSuite from '@keyv/test-suite';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CacheEngine } from '../../src/cache/index.ts';
import { TradecacheKeyvStore } from '../../src/keyv/index.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { useCacheEngines } from '../helpers/cache.ts';
import { keysMatching } from '../helpers/redis.ts';

const { newEngine } = useCacheEngines();
let engine: CacheEngine;
let redis: RedisClient;
let other: CacheEngine;

beforeAll(async () => {
  ({ engine, redis } = await newEngine('kv:cache'));
  ({ engine: other } = await newEngine('kv:cache'));
});

// Keyv's own compliance suite, on both tier layouts (each in its own cache namespace).
for (const l1 of [true, false]) {
  describe(`Keyv compliance suite (${l1 ? 'L1 + Redis' : 'Redis only'})`, () => {
    keyvTestSuite(
      vitest,
      Keyv,
      () => new TradecacheKeyvStore({ engine, l1, cacheNamespace: l1 ? 'suite_l1' : 'suite_l2' }),
    );
  });
}

describe('TradecacheKeyvStore', () => {
  const keyvOn = (on: CacheEngine, namespace = 'orders') =>
    new Keyv<unknown>({ store: new TradecacheKeyvStore({ engine: on }), namespace });

  it('stores each Keyv namespace in its own cache namespace, readable from another process', async () => {
    await keyvOn(engine).set('BTCUSDT', { price: '60755.18000000' }, 60_000);
    expect(await redis.exists('kv:cache:keyv.orders:BTCUSDT')).toBe(1);
    expect(await keyvOn(other).get('BTCUSDT')).toEqual({ price: '60755.18000000' });
    expect(await keyvOn(other, 'fills').get('BTCUSDT')).toBeUndefined();
    expect(await redis.pttl('kv:cache:keyv.orders:BTCUSDT')).toBeLessThanOrEqual(60_000);
  });

  it("drops another process's memory copy when a value is deleted or replaced", async () => {
    await keyvOn(engine).set('ETHUSDT', '1');
    expect(await keyvOn(other).get('ETHUSDT')).toBe('1');
    await keyvOn(engine).set('ETHUSDT', '2');
    await expect.poll(() => keyvOn(other).get('ETHUSDT')).toBe('2');
    expect(await keyvOn(engine).delete('ETHUSDT')).toBe(true);
    await expect.poll(() => keyvOn(other).get('ETHUSDT')).toBeUndefined();
  });

  it('keeps any string key distinct, escaping what a cache key cannot hold', async () => {
    const keyv = keyvOn(engine, 'urls');
    const keys = ['GET /api/v1/price?symbol=BTC*', 'GET%20/api', 'ключ', '~tag:x', '{hash}', "'"];
    for (const [i, key] of keys.entries()) await keyv.set(key, i);
    expect(await keyv.get(keys)).toEqual([0, 1, 2, 3, 4, 5]);
    const stored = await keysMatching(redis, 'kv:cache:keyv.urls:*');
    expect(stored).toContain('kv:cache:keyv.urls:GET%20/api/v1/price%3Fsymbol=BTC%2A');
    expect(stored).toContain('kv:cache:keyv.urls:GET%2520/api');
    expect(stored).toContain('kv:cache:keyv.urls:%7Etag:x');
    expect(stored.every((k) => !/[*?[\]{} ]/.test(k.slice('kv:cache:'.length)))).toBe(true);
  });

  it('refuses a Keyv namespace that cannot be a cache namespace when the Keyv is built', () => {
    expect(() => keyvOn(engine, 'bad namespace')).toThrow('illegal cache namespace');
    expect(() => keyvOn(engine, 'a:b')).toThrow('illegal cache namespace');
  });

  it('gives values set without a TTL the default TTL, as all cache data has one', async () => {
    const keyv = new Keyv({
      store: new TradecacheKeyvStore({ engine, defaultTtlMs: 5_000 }),
      namespace: 'ttl',
    });
    await keyv.set('forever', 'x');
    const pttl = await redis.pttl('kv:cache:keyv.ttl:forever');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
  });

  it('sets many values in one call and reads them back', async () => {
    const keyv = keyvOn(engine, 'batch');
    await keyv.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 60_000 },
    ]);
    expect(await keyvOn(other, 'batch').get(['a', 'b', 'c'])).toEqual([1, 2, undefined]);
    expect(await keyv.has(['a', 'c'])).toEqual([true, false]);
  });
});

describe('cache-manager 7 over Keyv over the adapter', () => {
  const cacheOn = (on: CacheEngine) =>
    createCache({ stores: [new Keyv({ store: new TradecacheKeyvStore({ engine: on }), namespace: 'cm' })] });

  it('gets, sets, deletes and wraps through the two-tier cache', async () => {
    const cache = cacheOn(engine);
    expect(await cache.get('missing')).toBeUndefined();
    await cache.set('BTCUSDT', { price: '60755.18000000' }, 60_000);
    expect(await cache.get('BTCUSDT')).toEqual({ price: '60755.18000000' });
    expect(await cacheOn(other).get('BTCUSDT')).toEqual({ price: '60755.18000000' });
    expect(await cache.del('BTCUSDT')).toBe(true);
    expect(await cache.get('BTCUSDT')).toBeUndefined();

    let calls = 0;
    const fetchTicker = async () => {
      calls += 1;
      return { symbol: 'ETHUSDT', price: '4000.01' };
    };
    expect(await cache.wrap('ticker:ETHUSDT', fetchTicker, 60_000)).toEqual({
      symbol: 'ETHUSDT',
      price: '4000.01',
    });
    expect(await cacheOn(other).wrap('ticker:ETHUSDT', fetchTicker, 60_000)).toEqual({
      symbol: 'ETHUSDT',
      price: '4000.01',
    });
    expect(calls).toBe(1);
    expect(await redis.exists('kv:cache:keyv.cm:ticker:ETHUSDT')).toBe(1);
  });
});
