import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/redis/client.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { keysMatching, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

/**
 * REDIS_KEY_PREFIX= (empty): tradecache shares one Redis with the Python platform. The keys both
 * use are exactly the Python ones; everything else of ours stays under `tradecache:`, and our
 * clears and SCANs never touch a key the other system owns.
 */
let redis: TestRedis;
let exchange: ReplayServer;
let app: TestApp;
let plain: RedisClient;

/** Keys another program (the Python platform, or anything else) keeps in the same Redis. */
const FOREIGN = {
  'cache:market_data:BTCUSDT': '{"price":"1"}',
  'cache:http:legacy': 'x',
  'cache:auth:legacy': 'x',
  'metrics:cache_hit:price': '7',
  'sessions:{alice}:index': 'x',
  'user_session:alice': 'x',
};

beforeAll(async () => {
  redis = await startTestRedis();
  exchange = await startReplayServer({ spotExchangeInfo: 'exchangeInfo.full.2023-09-08.json' });
  plain = redis.client({ lazyConnect: false });
  for (const [key, value] of Object.entries(FOREIGN)) await plain.set(key, value);
  app = await startTestApp({
    REDIS_URL: redis.url,
    BINANCE_SPOT_URL: exchange.url,
    BINANCE_FUTURES_URL: exchange.url,
    REDIS_KEY_PREFIX: '',
  });
});
afterAll(async () => {
  await app?.close();
  plain?.disconnect();
  await exchange?.close();
  await redis?.destroy();
});

describe('REDIS_KEY_PREFIX= shares the Python platform keys', () => {
  it('stores the symbol lists and counters at the exact Python keys', async () => {
    const first = await app.http.inject('/api/v1/symbols/spot');
    expect(first.statusCode).toBe(200);
    expect((await app.http.inject('/api/v1/symbols/spot')).headers['x-cache']).toBe('HIT');

    const stored = JSON.parse((await plain.get('cache:symbols:spot:v1')) ?? 'null');
    expect(stored.symbols[0].symbol).toBe('BTCUSDT');
    expect(await plain.ttl('cache:symbols:spot:v1')).toBeGreaterThan(0);
    expect(JSON.parse((await plain.get('cache:symbols:spot:v1:last_good')) ?? 'null').symbols).toEqual(
      stored.symbols,
    );
    expect(Number(await plain.get('cache:symbols:spot:v1:refresh_ts'))).toBeGreaterThan(0);
    await expect
      .poll(
        async () => [
          await plain.get('metrics:cache_hit:symbols_spot'),
          await plain.get('metrics:cache_miss:symbols_spot'),
        ],
        {
          timeout: 5_000,
        },
      )
      .toEqual(['1', '1']);
  });

  it('keeps every other key of ours under tradecache:', async () => {
    expect(app.ctx.keys.root).toBe('tradecache');
    await app.ctx.sessions.users.addUser('alice');
    const ours = await keysMatching(plain, 'tradecache:*');
    expect(ours).toContain('tradecache:users:index');
    expect(ours.some((k) => k.startsWith('tradecache:users:{alice}:'))).toBe(true);
  });

  it('leaves foreign keys alone when clearing namespaces and cleaning sessions', async () => {
    const ns = app.ctx.cache.namespace<string>('http');
    await ns.set('mine', 'value');
    expect(await plain.exists('tradecache:cache:http:mine')).toBe(1);
    await ns.clear();
    await app.ctx.cache.namespace('auth').clear();
    await app.ctx.sessions.sessions.cleanupExpiredSessions();
    expect(await plain.exists('tradecache:cache:http:mine')).toBe(0);
    for (const [key, value] of Object.entries(FOREIGN)) expect(await plain.get(key)).toBe(value);
  });
});
