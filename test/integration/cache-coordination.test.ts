import { describe, expect, it } from 'vitest';
import type { CacheEngine } from '../../src/cache/index.ts';
import { isCluster } from '../../src/redis/client.ts';
import { useCacheEngines } from '../helpers/cache.ts';

const { newEngine } = useCacheEngines();

describe('cache coordination across engines', () => {
  it('calls the factory once for 2 x 500 concurrent getOrSet on a cold key', async () => {
    const a = await newEngine('sf:cache');
    const b = await newEngine('sf:cache');
    let calls = 0;
    const factory = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 50));
      return { symbol: 'BTCUSDT', lastPrice: '60755.18' };
    };
    const run = (engine: CacheEngine) =>
      Array.from({ length: 500 }, () => engine.namespace('tickers').getOrSet('BTCUSDT', factory));
    const results = await Promise.all([...run(a.engine), ...run(b.engine)]);
    expect(calls).toBe(1);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('lets another engine fill the key after the lease holder died', async () => {
    const holder = await newEngine('lease:cache');
    const survivor = await newEngine('lease:cache');
    const hung = holder.engine
      .namespace<string>('symbols')
      .getOrSet('spot', () => new Promise<string>(() => {}), { leaseMs: 400 });
    hung.catch(() => {});
    await expect.poll(() => holder.redis.exists('lease:cache:~lease:symbols:spot')).toBe(1);
    await holder.engine.close();

    let calls = 0;
    const value = await survivor.engine.namespace<string>('symbols').getOrSet(
      'spot',
      async () => {
        calls += 1;
        return 'BTCUSDT,ETHUSDT';
      },
      { leaseMs: 400 },
    );
    expect(value).toBe('BTCUSDT,ETHUSDT');
    expect(calls).toBe(1);
  });

  it('drops L1 in other engines when a value changes', async () => {
    const a = await newEngine('inv:cache');
    const b = await newEngine('inv:cache');
    await a.engine.namespace<string>('prices').set('BTCUSDT', '60000');
    expect(await b.engine.namespace<string>('prices').get('BTCUSDT')).toBe('60000');
    await a.engine.namespace<string>('prices').set('BTCUSDT', '61000');
    await expect.poll(() => b.engine.namespace<string>('prices').get('BTCUSDT')).toBe('61000');
  });

  it('drops the whole L1 after a bus reconnect, so a missed invalidation cannot leave stale data', async () => {
    const { engine, redis } = await newEngine('bus:cache');
    const prices = engine.namespace<string>('prices');
    await prices.set('ETHUSDT', '4000');
    // Another writer changes Redis without a bus message (as if it was published while we were away).
    const other = await newEngine('bus:cache-other');
    const envelope = await redis.getBuffer('bus:cache:prices:ETHUSDT');
    await other.engine.namespace<string>('prices').set('ETHUSDT', '4100');
    const changed = await redis.getBuffer('bus:cache-other:prices:ETHUSDT');
    expect(envelope).not.toBeNull();
    await redis.set('bus:cache:prices:ETHUSDT', changed as Buffer);
    expect(await prices.get('ETHUSDT')).toBe('4000'); // L1 still trusts its copy

    // Every node's: on a Cluster the bus connection sits on one node, whichever it is.
    for (const node of isCluster(redis) ? redis.nodes('all') : [redis])
      await node.client('KILL', 'TYPE', 'pubsub');
    await expect.poll(() => prices.get('ETHUSDT'), { timeout: 10_000 }).toBe('4100');
  });
});
