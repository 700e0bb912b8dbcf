import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfoFields } from '../../src/operations/redis-info.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { keysMatching, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let server: TestRedis;
let exchange: ReplayServer;
let dataDir: string;
let redis: RedisClient;
let app: TestApp;
let prefix: string;

/** Keys another system keeps in the same Redis: never counted, never touched. */
const FOREIGN = ['foreign:cache:x', 'other-app:sessions:1', 'cache:something', `notours:cache:ns:k`];

beforeAll(async () => {
  server = await startTestRedis();
  exchange = await startReplayServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-ops-'));
  redis = server.client({ lazyConnect: false });
  prefix = `ops${randomBytes(3).toString('hex')}`;
  app = await startTestApp(
    {
      REDIS_URL: server.url,
      REDIS_KEY_PREFIX: prefix,
      BINANCE_SPOT_URL: exchange.url,
      BINANCE_FUTURES_URL: exchange.url,
      TRADECACHE_DATA_DIR: dataDir,
      ADMIN_TOKEN,
      MONITOR_INTERVAL_MS: '3600000',
    },
    { role: 'api' },
  );
  for (const key of FOREIGN) await redis.set(key, 'theirs');
});
afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await exchange?.close();
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string> = {}) =>
  app.http.inject({ method, url, headers });

/** Every key of this app's deployment, counted straight from Redis (every master of a Cluster). */
async function ourKeys(): Promise<string[]> {
  return (await keysMatching(redis, `${prefix}:*`)).sort();
}

async function seedUserData() {
  const { users, sessions, preferences } = app.ctx.sessions;
  if (!(await users.getUser('alice'))) await users.addUser('alice');
  const sessionId = await sessions.createSession('alice', { ip: '127.0.0.1' });
  await preferences.setUserPreferences('alice', { theme: 'dark' });
  const quotes = app.ctx.cache.namespace<{ price: string }>('ops-quotes', { ttlMs: 60_000 });
  await quotes.set('BTCUSDT', { price: '65000.10' });
  await quotes.set('ETHUSDT', { price: '3200.55' });
  return { sessionId, quotes };
}

describe('GET /api/v1/cache/health', () => {
  it('answers anyone with status and connection only', async () => {
    const res = await inject('GET', '/api/v1/cache/health');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['redisConnected', 'status']);
    expect(body.redisConnected).toBe(true);
    expect(['healthy', 'degraded']).toContain(body.status);
  });

  it('shows admins Redis info matching INFO server, key counts per cache and the queues', async () => {
    await seedUserData();
    const res = await inject('GET', '/api/v1/cache/health', admin);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const server = parseInfoFields(await redis.info('server'));
    expect(body.redisInfo.version).toBe(server.get('redis_version'));
    expect(body.redisInfo.mode).toBe(server.get('redis_mode'));
    expect(body.redisInfo.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(body.redisInfo.connectedClients).toBeGreaterThan(0);
    expect(body.redisInfo.usedMemory).toBeGreaterThan(0);
    expect(typeof body.redisInfo.usedMemoryHuman).toBe('string');
    expect(typeof body.redisInfo.aofEnabled).toBe('boolean');
    expect(body.redisInfo).toHaveProperty('maxMemory');
    expect(body.redisInfo).toHaveProperty('evictionPolicy');
    expect(body.cacheStats['ops-quotes']).toEqual({ totalKeys: 2 });
    expect(body.cacheStats.symbols).toEqual({ totalKeys: expect.any(Number) });
    expect(body.queues.jobs).toEqual({
      waiting: expect.any(Number),
      active: 0,
      delayed: expect.any(Number),
      failed: 0,
    });
    expect(body.isRunning).toBe(true);
    // The test redis-server has no maxmemory limit: its policy is reported, not hidden.
    expect(body.status === 'healthy' || body.warnings.length > 0).toBe(true);
  });
});

describe('GET /api/v1/cache/stats', () => {
  it('counts only our keys: foreign keys in the same Redis are counted nowhere', async () => {
    await seedUserData();
    // The stats are reused for a few seconds: ask the service itself for a fresh count.
    const summary = await app.ctx.operations.service.getCacheSummary();
    const ours = await ourKeys();
    expect(summary.complete).toBe(true);
    expect(summary.totalKeys).toBe(ours.length);
    expect(summary.cacheNamespaces['ops-quotes']).toBe(2);
    expect(summary.areas.users).toBeGreaterThanOrEqual(2);
    expect(summary.areas.sessions).toBeGreaterThanOrEqual(2);
    const counted = Object.values(summary.areas).reduce((a, b) => a + b, 0);
    expect(counted).toBe(summary.totalKeys);
    const res = await inject('GET', '/api/v1/cache/stats');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ symbolCount: expect.any(Number), hitRates: expect.any(Object) });
  });

  it('reports hit rates per namespace from the shared counters', async () => {
    const { quotes } = await seedUserData();
    await quotes.get('BTCUSDT');
    await quotes.get('NOPE');
    await app.ctx.cache.close().catch(() => {}); // flushes the hit/miss counters to Redis
    const summary = await app.ctx.operations.service.getCacheSummary();
    const rate = summary.hitRates['ops-quotes'];
    expect(rate?.hits).toBeGreaterThanOrEqual(1);
    expect(rate?.misses).toBeGreaterThanOrEqual(1);
    expect(rate?.hitRate).toBeGreaterThan(0);
    expect(rate?.hitRate).toBeLessThan(1);
  });
});

describe('DELETE /api/v1/cache/clear', () => {
  it('without admin credentials deletes nothing', async () => {
    await seedUserData();
    const before = await ourKeys();
    const res = await inject('DELETE', '/api/v1/cache/clear?confirm=true');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH_REQUIRED');
    expect(await ourKeys()).toEqual(before);
  });

  it('without confirm=true answers 400 and deletes nothing', async () => {
    await seedUserData();
    const before = await ourKeys();
    for (const url of [
      '/api/v1/cache/clear',
      '/api/v1/cache/clear?confirm=false',
      '/api/v1/cache/clear?confirm=yes',
    ]) {
      const res = await inject('DELETE', url, admin);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('confirm=true'),
      });
    }
    expect(await ourKeys()).toEqual(before);
  });

  it('removes every cache key and leaves users, sessions, preferences, queues and foreign keys', async () => {
    const { sessionId } = await seedUserData();
    const bullBefore = await keysMatching(redis, `{${prefix}:bull}*`);
    const res = await inject('DELETE', '/api/v1/cache/clear?confirm=true', admin);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.namespaces['ops-quotes']).toBe(2);
    expect(body.complete).toBe(true);
    const left = await ourKeys();
    expect(left.filter((k) => k.startsWith(`${prefix}:cache:ops-quotes:`))).toEqual([]);
    const { users, sessions, preferences } = app.ctx.sessions;
    expect(await users.getUser('alice')).not.toBeNull();
    expect(await sessions.getUserSession('alice', sessionId)).not.toBeNull();
    expect(await preferences.getUserPreferences('alice')).toMatchObject({ theme: 'dark' });
    for (const key of FOREIGN) expect(await redis.get(key)).toBe('theirs');
    expect((await keysMatching(redis, `{${prefix}:bull}*`)).sort()).toEqual(bullBefore.sort());
  });
});

describe('POST /api/v1/cache/cleanup', () => {
  it('is admin only', async () => {
    expect((await inject('POST', '/api/v1/cache/cleanup')).statusCode).toBe(401);
  });

  it('removes dangling session index entries and reports the count', async () => {
    await seedUserData();
    // An index entry whose session record is gone (expired between two touches).
    await redis.zadd(app.ctx.keys.sessions.sessionIndex('alice'), Date.now(), 'gone-session-0001');
    const res = await inject('POST', '/api/v1/cache/cleanup', admin);
    expect(res.statusCode).toBe(200);
    expect(res.json().removed.sessions).toBeGreaterThanOrEqual(1);
    expect(await redis.zscore(app.ctx.keys.sessions.sessionIndex('alice'), 'gone-session-0001')).toBeNull();
  });

  it('removes price ticks past their retention and keeps recent ones', async () => {
    const old = Date.now() - 2 * 24 * 3_600_000;
    await app.ctx.market.batch('spot').price('CLEANUSDT', '1.00000000', old).flush();
    await app.ctx.market.batch('spot').price('CLEANUSDT', '2.00000000', Date.now()).flush();
    const res = await inject('POST', '/api/v1/cache/cleanup', admin);
    expect(res.statusCode).toBe(200);
    expect(res.json().removed['market-data']).toBeGreaterThanOrEqual(1);
    const ticks = await app.ctx.market.prices.spot.getPriceHistory('CLEANUSDT');
    expect(ticks.map((t) => t.price)).toEqual(['2.00000000']);
  });
});
