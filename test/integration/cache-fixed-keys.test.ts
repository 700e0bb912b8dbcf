import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesGcmCipher, type CacheEngine, type CacheNamespace } from '../../src/cache/index.ts';
import { useCacheEngines } from '../helpers/cache.ts';
import { keysMatching } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Namespaces with `fixedKeys`: values at caller-chosen Redis keys as plain JSON (the Python platform's
 * `cache:symbols:spot:v1` and its `:last_good` twin), on the same engine machinery as any other.
 */

const engines = useCacheEngines();
/** An engine with its own connections, as another process would have. */
const newEngine = (prefix: string) => engines.newEngine(`${prefix}:cache`);

interface Listing {
  market: string;
  symbols: string[];
  refreshedAt: number;
}

/** The Python platform's key names under `prefix`, one pair per market. */
function listings(engine: CacheEngine, prefix: string, ttlMs = 60_000): CacheNamespace<Listing> {
  return engine.namespace<Listing>('symbols_spot', {
    ttlMs,
    fixedKeys: {
      valueKey: (market) => `${prefix}:cache:symbols:${market}:v1`,
      lastGoodKey: (market) => `${prefix}:cache:symbols:${market}:v1:last_good`,
      producedAt: (listing: Listing) => listing.refreshedAt,
      accepts: (value, market) =>
        typeof value === 'object' && value !== null && (value as Listing).market === market,
    },
  });
}

const listing = (symbols: string[], refreshedAt = Date.now()): Listing => ({
  market: 'spot',
  symbols,
  refreshedAt,
});

const failing = async (): Promise<Listing> => {
  throw new Error('exchange down');
};

describe('fixedKeys namespaces', () => {
  it('writes plain JSON at exactly the named keys: the value with its TTL, the last-good copy without', async () => {
    const { engine, redis } = await newEngine('keys');
    const value = listing(['BTCUSDT', 'ETHUSDT']);
    await listings(engine, 'keys').getOrSet('spot', async () => value, {
      ttlMs: 300_000,
      lastGood: true,
      jitter: 0,
    });

    expect(JSON.parse((await redis.get('keys:cache:symbols:spot:v1')) ?? 'null')).toEqual(value);
    expect(await redis.pttl('keys:cache:symbols:spot:v1')).toBeGreaterThan(290_000);
    expect(JSON.parse((await redis.get('keys:cache:symbols:spot:v1:last_good')) ?? 'null')).toEqual(value);
    expect(await redis.pttl('keys:cache:symbols:spot:v1:last_good')).toBe(-1);
    // Nothing else holds the value: no engine envelope under the namespace prefix.
    await waitFor(async () => (await redis.exists('keys:cache:~lease:symbols_spot:spot')) === 0);
    expect((await keysMatching(redis, 'keys:cache:*')).sort()).toEqual([
      'keys:cache:symbols:spot:v1',
      'keys:cache:symbols:spot:v1:last_good',
    ]);
  });

  it('lets another engine read the value, with its age, without calling its factory', async () => {
    const a = await newEngine('share');
    const b = await newEngine('share');
    const producedAt = Date.now() - 5_000;
    await listings(a.engine, 'share').set('spot', listing(['BTCUSDT'], producedAt));

    let calls = 0;
    const read = await listings(b.engine, 'share').getOrSetWithMeta('spot', async () => {
      calls += 1;
      return listing(['SHOULD-NOT-RUN']);
    });
    expect(calls).toBe(0);
    expect(read.source).toBe('l2');
    expect(read.value.symbols).toEqual(['BTCUSDT']);
    expect(read.ageMs).toBeGreaterThanOrEqual(5_000);
    expect(await listings(b.engine, 'share').get('spot')).toEqual(listing(['BTCUSDT'], producedAt));

    // b keeps it in L1; a's next write reaches b through the bus.
    await listings(a.engine, 'share').set('spot', listing(['BTCUSDT', 'SOLUSDT']));
    await expect
      .poll(async () => (await listings(b.engine, 'share').get('spot'))?.symbols)
      .toEqual(['BTCUSDT', 'SOLUSDT']);
  });

  it('reads a value written by another program with freshness from its PTTL', async () => {
    const { engine, redis } = await newEngine('foreign');
    const ns = listings(engine, 'foreign');
    await redis.set('foreign:cache:symbols:spot:v1', JSON.stringify(listing(['XRPUSDT'])), 'PX', 300);
    expect((await ns.get('spot'))?.symbols).toEqual(['XRPUSDT']);
    // Now in L1, which must expire with Redis and not after the namespace TTL (60 s).
    await waitFor(async () => (await redis.exists('foreign:cache:symbols:spot:v1')) === 0);
    expect(await ns.get('spot')).toBeUndefined();
  });

  it('serves the last-good copy after the value expired when the factory fails', async () => {
    const a = await newEngine('lg');
    const producedAt = Date.now();
    await listings(a.engine, 'lg').getOrSet('spot', async () => listing(['BTCUSDT'], producedAt), {
      ttlMs: 200,
      lastGood: true,
      jitter: 0,
    });
    await waitFor(async () => (await a.redis.exists('lg:cache:symbols:spot:v1')) === 0);

    // In the writer, and in a process that never saw the value (nothing in its L1).
    const b = await newEngine('lg');
    for (const engine of [a.engine, b.engine]) {
      const result = await listings(engine, 'lg').getOrSetWithMeta('spot', failing, { lastGood: true });
      expect(result.source).toBe('last-good');
      expect(result.value.symbols).toEqual(['BTCUSDT']);
      expect(result.ageMs).toBeGreaterThanOrEqual(Date.now() - producedAt - 50);
    }
    // Without lastGood the copy is not served, and the failure is the answer.
    await expect(listings(b.engine, 'lg').getOrSet('spot', failing)).rejects.toThrow('exchange down');
    // The failed refreshes wrote nothing.
    expect(await a.redis.exists('lg:cache:symbols:spot:v1')).toBe(0);
  });

  it('rethrows the factory error when no last-good copy was ever written', async () => {
    const { engine } = await newEngine('nolg');
    await expect(listings(engine, 'nolg').getOrSet('spot', failing, { lastGood: true })).rejects.toThrow(
      'exchange down',
    );
  });

  it('calls the factory once for 2 x 100 concurrent cold getOrSet across engines', async () => {
    const a = await newEngine('sf');
    const b = await newEngine('sf');
    let calls = 0;
    const factory = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 100));
      return listing(['BTCUSDT', 'ETHUSDT']);
    };
    const run = (engine: CacheEngine) =>
      Array.from({ length: 100 }, () =>
        listings(engine, 'sf').getOrSet('spot', factory, { lastGood: true, jitter: 0 }),
      );
    const results = await Promise.all([...run(a.engine), ...run(b.engine)]);
    expect(calls).toBe(1);
    expect(results.every((r) => r.symbols.length === 2)).toBe(true);
  });

  it('treats a value the layout refuses as missing and replaces it', async () => {
    const { engine, redis } = await newEngine('refuse');
    const ns = listings(engine, 'refuse');
    await redis.set('refuse:cache:symbols:spot:v1', JSON.stringify({ market: 'futures' }), 'EX', 60);
    const before = ns.stats().decodeErrors;
    const result = await ns.getOrSetWithMeta('spot', async () => listing(['BTCUSDT']), { jitter: 0 });
    expect(result.source).toBe('factory');
    expect(ns.stats().decodeErrors).toBeGreaterThan(before);
    expect(JSON.parse((await redis.get('refuse:cache:symbols:spot:v1')) ?? 'null').market).toBe('spot');
  });

  it('refreshes a value that has no TTL in Redis instead of trusting it forever', async () => {
    const { engine, redis } = await newEngine('nottl');
    await redis.set('nottl:cache:symbols:spot:v1', JSON.stringify(listing(['OLD'])));
    const result = await listings(engine, 'nottl').getOrSetWithMeta('spot', async () => listing(['NEW']), {
      jitter: 0,
    });
    expect(result.value.symbols).toEqual(['NEW']);
    expect(await redis.pttl('nottl:cache:symbols:spot:v1')).toBeGreaterThan(0);
  });

  it('deletes the value and its last-good copy, everywhere', async () => {
    const a = await newEngine('del');
    const b = await newEngine('del');
    await listings(a.engine, 'del').set('spot', listing(['BTCUSDT']), { lastGood: true });
    expect(await listings(b.engine, 'del').get('spot')).toBeDefined();
    expect(await listings(a.engine, 'del').delete('spot')).toBe(true);
    // Two calls: fixed keys carry no hash tag, so on a Cluster they may sit in two slots.
    expect(await a.redis.exists('del:cache:symbols:spot:v1')).toBe(0);
    expect(await a.redis.exists('del:cache:symbols:spot:v1:last_good')).toBe(0);
    await expect.poll(() => listings(b.engine, 'del').get('spot')).toBeUndefined();
  });

  it('reads many values with one round trip', async () => {
    const { engine } = await newEngine('many');
    const ns = engine.namespace<string>('prices_many', {
      fixedKeys: { valueKey: (symbol) => `many:price:${symbol}` },
    });
    await ns.setMany([
      { key: 'BTCUSDT', value: '60000' },
      { key: 'ETHUSDT', value: '4000' },
    ]);
    const reader = await newEngine('many');
    const other = reader.engine.namespace<string>('prices_many', {
      fixedKeys: { valueKey: (symbol) => `many:price:${symbol}` },
    });
    expect(await other.getMany(['BTCUSDT', 'NOPE', 'ETHUSDT'])).toEqual(['60000', undefined, '4000']);
    expect(await reader.redis.get('many:price:BTCUSDT')).toBe('"60000"');
  });

  it('refuses what the layout cannot express, with CONFIG_INVALID', async () => {
    const { engine } = await newEngine('refused');
    const layout = { valueKey: (k: string) => `refused:${k}` };
    expect(() =>
      engine.namespace('sealed', {
        fixedKeys: layout,
        encryption: new AesGcmCipher({ keys: new Map([['k1', randomBytes(32)]]), currentKeyId: 'k1' }),
      }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const ns = engine.namespace<string>('plain_seed', { fixedKeys: layout });
    const invalid = expect.objectContaining({ code: 'CONFIG_INVALID' });
    await expect(ns.getOrSet('a', async () => 'x', { graceMs: 1_000 })).rejects.toEqual(invalid);
    await expect(ns.set('a', 'x', { tags: ['t'] })).rejects.toEqual(invalid);
    // lastGood needs a place to keep the copy.
    await expect(ns.getOrSet('a', async () => 'x', { lastGood: true })).rejects.toEqual(invalid);
    await expect(ns.clear()).rejects.toEqual(invalid);
    await expect(ns.invalidateTag('t')).rejects.toEqual(invalid);
  });
});

describe('refresh', () => {
  it.each([
    { layout: 'seed', seed: true },
    { layout: 'envelope', seed: false },
  ])('runs the factory even when a fresh value is cached ($layout)', async ({ seed }) => {
    const prefix = `refresh-${seed ? 'seed' : 'env'}`;
    const { engine, redis } = await newEngine(prefix);
    const ns = seed ? listings(engine, prefix) : engine.namespace<Listing>('symbols_spot');
    await ns.getOrSet('spot', async () => listing(['OLD']), { lastGood: seed });
    let calls = 0;
    const factory = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 50));
      return listing(['NEW']);
    };
    // Concurrent refreshes in one process share one factory run.
    const results = await Promise.all([
      ns.refresh('spot', factory, { lastGood: seed }),
      ns.refresh('spot', factory, { lastGood: seed }),
    ]);
    expect(calls).toBe(1);
    expect(results.map((r) => r.value.symbols)).toEqual([['NEW'], ['NEW']]);
    expect((await ns.get('spot'))?.symbols).toEqual(['NEW']);
    if (seed) {
      expect(JSON.parse((await redis.get(`${prefix}:cache:symbols:spot:v1`)) ?? '{}').symbols).toEqual([
        'NEW',
      ]);
    }
  });

  it('fails instead of serving the cached or last-good value', async () => {
    const { engine } = await newEngine('refresh-fail');
    const ns = listings(engine, 'refresh-fail');
    await ns.getOrSet('spot', async () => listing(['BTCUSDT']), { lastGood: true });
    await expect(ns.refresh('spot', failing, { lastGood: true })).rejects.toThrow('exchange down');
    // The cached value is untouched.
    expect((await ns.get('spot'))?.symbols).toEqual(['BTCUSDT']);
  });

  it('joins a refresh another process finishes after it started, without a second factory call', async () => {
    const a = await newEngine('refresh-join');
    const b = await newEngine('refresh-join');
    let calls = 0;
    const slow = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 200));
      return listing(['FROM-A']);
    };
    const first = listings(a.engine, 'refresh-join').refresh('spot', slow, { lastGood: true });
    await waitFor(() => calls === 1);
    const second = await listings(b.engine, 'refresh-join').refresh('spot', slow, { lastGood: true });
    expect(second.value.symbols).toEqual(['FROM-A']);
    expect((await first).value.symbols).toEqual(['FROM-A']);
    expect(calls).toBe(1);
  });

  it('aborts the factory it started when its signal aborts', async () => {
    const { engine } = await newEngine('refresh-abort');
    const controller = new AbortController();
    let started = false;
    const pending = listings(engine, 'refresh-abort').refresh(
      'spot',
      ({ signal }) => {
        started = true;
        return new Promise<Listing>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
      },
      { signal: controller.signal },
    );
    await waitFor(() => started);
    controller.abort(new Error('job time limit'));
    await expect(pending).rejects.toThrow('job time limit');
  });

  it('stops waiting for another process when its signal aborts', async () => {
    const a = await newEngine('refresh-wait');
    const b = await newEngine('refresh-wait');
    const hung = listings(a.engine, 'refresh-wait').refresh('spot', () => new Promise<Listing>(() => {}));
    hung.catch(() => {});
    await waitFor(async () => (await a.redis.exists('refresh-wait:cache:~lease:symbols_spot:spot')) === 1);
    const controller = new AbortController();
    let calls = 0;
    const waiting = listings(b.engine, 'refresh-wait').refresh(
      'spot',
      async () => {
        calls += 1;
        return listing(['B']);
      },
      { signal: controller.signal },
    );
    controller.abort(new Error('job time limit'));
    await expect(waiting).rejects.toThrow('job time limit');
    expect(calls).toBe(0);
  });
});
