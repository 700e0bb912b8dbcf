import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheEngine, createCacheEngine } from '../../src/cache/index.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { useCacheEngines } from '../helpers/cache.ts';

const { connect, logger } = useCacheEngines();

describe.each([
  { tiers: 'l1+l2', l1: true },
  { tiers: 'l2 only', l1: false },
])('cache namespace conformance ($tiers)', ({ tiers, l1 }) => {
  let engine: CacheEngine;
  let redis: RedisClient;
  const prefix = `tc-${tiers === 'l1+l2' ? 'two' : 'one'}:cache`;
  const tickers = () =>
    engine.namespace<{ symbol: string; lastPrice: string }>('tickers', { l1, ttlMs: 60_000 });

  beforeAll(async () => {
    redis = connect();
    await redis.connect();
    engine = createCacheEngine({ redis, subscriber: connect, prefix, logger });
    await engine.ready();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('returns what was set and undefined for unknown keys', async () => {
    await tickers().set('BTCUSDT', { symbol: 'BTCUSDT', lastPrice: '60755.18000000' });
    expect(await tickers().get('BTCUSDT')).toEqual({ symbol: 'BTCUSDT', lastPrice: '60755.18000000' });
    expect(await tickers().get('NOPE')).toBeUndefined();
    expect(await tickers().has('BTCUSDT')).toBe(true);
    expect(await tickers().has('NOPE')).toBe(false);
  });

  it('expires values after their TTL', async () => {
    await tickers().set('SHORT', { symbol: 'SHORT', lastPrice: '1' }, { ttlMs: 30 });
    await new Promise((r) => setTimeout(r, 80));
    expect(await tickers().get('SHORT')).toBeUndefined();
  });

  it('deletes one and many keys', async () => {
    await tickers().setMany([
      { key: 'A', value: { symbol: 'A', lastPrice: '1' } },
      { key: 'B', value: { symbol: 'B', lastPrice: '2' } },
      { key: 'C', value: { symbol: 'C', lastPrice: '3' } },
    ]);
    expect(await tickers().getMany(['A', 'X', 'C'])).toEqual([
      { symbol: 'A', lastPrice: '1' },
      undefined,
      { symbol: 'C', lastPrice: '3' },
    ]);
    await tickers().delete('A');
    await tickers().deleteMany(['B', 'C']);
    expect(await tickers().getMany(['A', 'B', 'C'])).toEqual([undefined, undefined, undefined]);
  });

  it('resolves whether delete and deleteMany removed something', async () => {
    const ns = tickers();
    await ns.set('DEL1', { symbol: 'DEL1', lastPrice: '1' });
    expect(await ns.delete('DEL1')).toBe(true);
    expect(await ns.delete('DEL1')).toBe(false);
    expect(await ns.delete('NEVER')).toBe(false);
    await ns.set('DEL2', { symbol: 'DEL2', lastPrice: '2' });
    expect(await ns.deleteMany(['NEVER', 'DEL2'])).toBe(true);
    expect(await ns.deleteMany(['NEVER', 'DEL2'])).toBe(false);
    expect(await ns.deleteMany([])).toBe(false);
  });

  it('counts a value as removed when only Redis held it, and when only this L1 did', async () => {
    const writer = createCacheEngine({ redis, subscriber: connect, prefix, logger });
    await writer.ready();
    try {
      const elsewhere = writer.namespace<{ symbol: string; lastPrice: string }>('tickers', {
        l1,
        ttlMs: 60_000,
      });
      await elsewhere.set('ONLYL2', { symbol: 'ONLYL2', lastPrice: '1' });
      expect(await tickers().delete('ONLYL2')).toBe(true);
    } finally {
      await writer.close();
    }
    await tickers().set('ONLYL1', { symbol: 'ONLYL1', lastPrice: '1' });
    await redis.unlink(`${prefix}:tickers:ONLYL1`);
    // With L1, this process still served the value, so deleting it removed something.
    expect(await tickers().delete('ONLYL1')).toBe(l1);
  });

  it('counts a stale value within grace as removed, an expired one as not', async () => {
    await tickers().set('GRACED', { symbol: 'GRACED', lastPrice: '1' }, { ttlMs: 20, graceMs: 60_000 });
    await tickers().set('EXPIRED', { symbol: 'EXPIRED', lastPrice: '1' }, { ttlMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    expect(await tickers().delete('GRACED')).toBe(true);
    expect(await tickers().delete('EXPIRED')).toBe(false);
  });

  it("drops other processes' L1 copies even when nothing was left to remove here", async () => {
    const reader = createCacheEngine({ redis, subscriber: connect, prefix, logger });
    await reader.ready();
    try {
      const other = reader.namespace<{ symbol: string; lastPrice: string }>('tickers', { l1, ttlMs: 60_000 });
      await other.set('COPY', { symbol: 'COPY', lastPrice: '1' });
      // Gone from Redis (another program removed it) and never in this process's L1: the delete
      // finds nothing, but the other process's L1 copy must still go.
      await redis.unlink(`${prefix}:tickers:COPY`);
      if (l1) expect(await other.get('COPY')).toBeDefined();
      expect(await tickers().delete('COPY')).toBe(false);
      await expect.poll(() => other.get('COPY')).toBeUndefined();
    } finally {
      await reader.close();
    }
  });

  it('refuses keys that could reach outside the namespace, without calling the factory', async () => {
    let calls = 0;
    const factory = async () => {
      calls += 1;
      return { symbol: 'X', lastPrice: '1' };
    };
    for (const bad of ['BTC*', 'a b', '~tag:x', '', 'x?']) {
      await expect(tickers().getOrSet(bad, factory)).rejects.toThrow('illegal cache key');
      await expect(tickers().set(bad, { symbol: 'X', lastPrice: '1' })).rejects.toThrow('illegal cache key');
    }
    expect(calls).toBe(0);
    expect(await redis.keys(`${prefix}:tickers:*[* ?]*`)).toEqual([]);
  });

  it('answers many concurrent reads of different keys each with its own value', async () => {
    // Concurrent L2 reads are coalesced into MGETs: every caller must still get its own key's
    // value, with misses in between left as misses. A second engine reads, so L1 cannot answer.
    const symbols = Array.from({ length: 600 }, (_, i) => `SYM${i}USDT`);
    await tickers().setMany(
      symbols
        .filter((_, i) => i % 3 !== 0)
        .map((symbol) => ({ key: symbol, value: { symbol, lastPrice: symbol } })),
    );
    const reader = createCacheEngine({ redis, subscriber: connect, prefix, logger });
    await reader.ready();
    try {
      const ns = reader.namespace<{ symbol: string; lastPrice: string }>('tickers', { l1, ttlMs: 60_000 });
      const got = await Promise.all(symbols.map((symbol) => ns.get(symbol)));
      expect(got).toEqual(
        symbols.map((symbol, i) => (i % 3 === 0 ? undefined : { symbol, lastPrice: symbol })),
      );
    } finally {
      await reader.close();
    }
  });

  it('calls the factory once for concurrent getOrSet and then serves the cache', async () => {
    let calls = 0;
    const factory = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 20));
      return { symbol: 'ETHUSDT', lastPrice: '4000' };
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, () => tickers().getOrSetWithMeta('ETHUSDT', factory)),
    );
    expect(calls).toBe(1);
    expect(results.every((r) => r.value.lastPrice === '4000')).toBe(true);
    const again = await tickers().getOrSetWithMeta('ETHUSDT', factory);
    expect(calls).toBe(1);
    expect(again.source).toBe(l1 ? 'l1' : 'l2');
  });

  it('invalidates every value written with a tag', async () => {
    await tickers().set('T1', { symbol: 'T1', lastPrice: '1' }, { tags: ['spot'] });
    await tickers().set('T2', { symbol: 'T2', lastPrice: '2' }, { tags: ['spot'] });
    await tickers().set('T3', { symbol: 'T3', lastPrice: '3' }, { tags: ['futures'] });
    expect(await tickers().invalidateTag('spot')).toBe(2);
    expect(await tickers().getMany(['T1', 'T2', 'T3'])).toEqual([
      undefined,
      undefined,
      { symbol: 'T3', lastPrice: '3' },
    ]);
  });

  it('clears only its own namespace with SCAN + UNLINK', async () => {
    const other = engine.namespace<string>('klines', { l1 });
    await other.set('BTCUSDT:1m', 'kept');
    await tickers().set('GONE', { symbol: 'GONE', lastPrice: '1' });
    expect(await tickers().clear()).toBeGreaterThan(0);
    expect(await tickers().get('GONE')).toBeUndefined();
    expect(await other.get('BTCUSDT:1m')).toBe('kept');
  });

  it('serves the previous value with its age when the refresh fails within grace', async () => {
    const ns = tickers();
    await ns.getOrSet('GRACE', async () => ({ symbol: 'GRACE', lastPrice: '1' }), {
      ttlMs: 20,
      graceMs: 60_000,
      jitter: 0,
    });
    await new Promise((r) => setTimeout(r, 50));
    const result = await ns.getOrSetWithMeta(
      'GRACE',
      async () => {
        throw new Error('exchange down');
      },
      { ttlMs: 20, graceMs: 60_000 },
    );
    expect(result.source).toBe('stale');
    expect(result.value.lastPrice).toBe('1');
    expect(result.ageMs).toBeGreaterThanOrEqual(40);
  });

  it('rethrows the factory error when nothing stale may be served', async () => {
    await expect(
      tickers().getOrSet('FAILS', async () => {
        throw new Error('exchange down');
      }),
    ).rejects.toThrow('exchange down');
  });

  it('keeps the last good value beyond TTL and grace', async () => {
    const ns = tickers();
    await ns.getOrSet('LG', async () => ({ symbol: 'LG', lastPrice: '7' }), {
      ttlMs: 10,
      lastGood: true,
      jitter: 0,
    });
    await new Promise((r) => setTimeout(r, 40));
    const result = await ns.getOrSetWithMeta(
      'LG',
      async () => {
        throw new Error('exchange down');
      },
      { ttlMs: 10, lastGood: true },
    );
    expect(result).toMatchObject({ source: 'last-good', value: { lastPrice: '7' } });
  });

  it('fails with CACHE_FACTORY_TIMEOUT after the hard timeout and aborts the factory', async () => {
    let aborted = false;
    await expect(
      tickers().getOrSet(
        'SLOW',
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(signal.reason);
            });
          }),
        { hardTimeoutMs: 50 },
      ),
    ).rejects.toMatchObject({ code: 'CACHE_FACTORY_TIMEOUT' });
    expect(aborted).toBe(true);
  });

  it('answers with the stale value at the soft timeout and stores the refresh later', async () => {
    const ns = tickers();
    await ns.getOrSet('SOFT', async () => ({ symbol: 'SOFT', lastPrice: 'old' }), {
      ttlMs: 10,
      graceMs: 60_000,
      jitter: 0,
    });
    await new Promise((r) => setTimeout(r, 30));
    const slow = async () => {
      await new Promise((r) => setTimeout(r, 150));
      return { symbol: 'SOFT', lastPrice: 'new' };
    };
    const first = await ns.getOrSetWithMeta('SOFT', slow, { softTimeoutMs: 20, graceMs: 60_000 });
    expect(first).toMatchObject({ source: 'stale', value: { lastPrice: 'old' } });
    await expect.poll(() => ns.get('SOFT'), { timeout: 2_000 }).toEqual({ symbol: 'SOFT', lastPrice: 'new' });
  });

  it('counts hits and misses per namespace and flushes them to the shared counters', async () => {
    const ns = engine.namespace<number>('counted', { l1 });
    await ns.getOrSet('k', async () => 1);
    await ns.getOrSet('k', async () => 1);
    const stats = ns.stats();
    expect(stats.factoryCalls).toBe(1);
    expect(stats.misses).toBe(1);
    expect(stats.hitsL1 + stats.hitsL2).toBe(1);
    const metricsPrefix = prefix.replace(/:cache$/, ':metrics');
    await expect
      .poll(
        async () => [
          await redis.get(`${metricsPrefix}:cache_hit:counted`),
          await redis.get(`${metricsPrefix}:cache_miss:counted`),
        ],
        {
          timeout: 5_000,
        },
      )
      .toEqual(['1', '1']);
  });
});
