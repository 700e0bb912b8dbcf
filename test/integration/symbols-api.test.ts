import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/redis/client.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { BINANCE_FIXTURES, type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';
import { waitFor } from '../helpers/wait.ts';

let redis: TestRedis;
let exchange: ReplayServer;
const apps: TestApp[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
beforeEach(async () => {
  // A fresh exchange per test: scripted failures never leak into the next test.
  exchange = await startReplayServer({
    spotExchangeInfo: 'exchangeInfo.full.2023-09-08.json',
    routes: { '/api/v3/exchangeInfo': slowFullExchangeInfo },
  });
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await exchange.close();
});
afterAll(async () => {
  await redis.destroy();
});

/** The real 2,292-symbol body, answered after 200 ms so concurrent requests really overlap. */
function slowFullExchangeInfo() {
  return {
    status: 200,
    delayMs: 200,
    body: readFileSync(path.join(BINANCE_FIXTURES, 'spot/rest/exchangeInfo.full.2023-09-08.json'), 'utf8'),
  };
}

/**
 * Waits until the fresh list's TTL ran out in Redis. Every process's in-memory copy expires no
 * later than Redis's (a DEL behind the engine's back would leave those copies fresh).
 */
async function expired(client: RedisClient, key: string) {
  await waitFor(async () => (await client.exists(key)) === 0);
}

async function app(env: Record<string, string> = {}) {
  const created = await startTestApp({
    REDIS_URL: redis.url,
    BINANCE_SPOT_URL: exchange.url,
    BINANCE_FUTURES_URL: exchange.url,
    ...env,
  });
  apps.push(created);
  return created;
}

describe('GET /api/v1/symbols/:market on real Binance bodies', () => {
  it('answers MISS then HIT with BTCUSDT first and counts both in Redis', async () => {
    const { http, ctx } = await app();
    const first = await http.inject('/api/v1/symbols/spot');
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-cache']).toBe('MISS');
    const body = first.json();
    expect(body.source).toBe('exchange');
    expect(body.symbols[0].symbol).toBe('BTCUSDT');
    expect(body.symbols.slice(0, 7).map((s: { baseAsset: string }) => s.baseAsset)).toEqual([
      'BTC',
      'ETH',
      'BNB',
      'SOL',
      'XRP',
      'ADA',
      'DOGE',
    ]);
    expect(
      body.symbols.every(
        (s: { status: string; quoteAsset: string }) => s.status === 'TRADING' && s.quoteAsset === 'USDT',
      ),
    ).toBe(true);
    expect(body.count).toBe(body.symbols.length);

    const second = await http.inject('/api/v1/symbols/spot');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.json().source).toBe('cache');
    expect(second.json().symbols).toEqual(body.symbols);

    const prefix = ctx.keys.prefix;
    // The cache engine flushes hit/miss to the shared counters in batches (once a second).
    await expect
      .poll(
        async () => [
          await ctx.redis.get(`${prefix}:metrics:cache_hit:symbols_spot`),
          await ctx.redis.get(`${prefix}:metrics:cache_miss:symbols_spot`),
        ],
        { timeout: 5_000 },
      )
      .toEqual(['1', '1']);
    expect(await ctx.redis.ttl(`${prefix}:cache:symbols:spot:v1`)).toBeGreaterThan(290);
    expect(await ctx.redis.ttl(`${prefix}:cache:symbols:spot:v1:last_good`)).toBe(-1);
    expect(Number(await ctx.redis.get(`${prefix}:cache:symbols:spot:v1:refresh_ts`))).toBeGreaterThan(0);
  });

  it('lists futures perpetuals only', async () => {
    const { http } = await app();
    const res = await http.inject('/api/v1/symbols/futures');
    expect(res.statusCode).toBe(200);
    const symbols = res.json().symbols.map((s: { symbol: string }) => s.symbol);
    expect(symbols).toEqual(['BTCUSDT', 'ETHUSDT']); // BTCUSDT_220325 is a delivery contract
  });

  it('serves the last-good copy with its age when the exchange answers 500', async () => {
    const { http, ctx } = await app({ SYMBOLS_CACHE_TTL: '1' });
    expect((await http.inject('/api/v1/symbols/spot')).statusCode).toBe(200);
    await expired(ctx.redis, `${ctx.keys.prefix}:cache:symbols:spot:v1`);
    exchange.failNext('/api/v3/exchangeInfo', {
      status: 500,
      body: { code: -1000, msg: 'down' },
      times: 100,
    });
    const res = await http.inject('/api/v1/symbols/spot');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-cache']).toBe('STALE');
    expect(res.json().source).toBe('last-good');
    expect(res.json().symbols[0].symbol).toBe('BTCUSDT');
    expect(res.json().ageMs).toBeGreaterThanOrEqual(0);
  });

  it('never lets a garbage response overwrite good data', async () => {
    const { http, ctx } = await app({ SYMBOLS_CACHE_TTL: '1' });
    const good = (await http.inject('/api/v1/symbols/spot')).json();
    await expired(ctx.redis, `${ctx.keys.prefix}:cache:symbols:spot:v1`);
    exchange.failNext('/api/v3/exchangeInfo', { status: 200, body: { symbols: 'oops' }, times: 100 });
    const res = await http.inject('/api/v1/symbols/spot');
    expect(res.headers['x-cache']).toBe('STALE');
    const lastGood = JSON.parse(
      (await ctx.redis.get(`${ctx.keys.prefix}:cache:symbols:spot:v1:last_good`)) ?? '{}',
    );
    expect(lastGood.symbols).toEqual(good.symbols);
    expect(await ctx.redis.exists(`${ctx.keys.prefix}:cache:symbols:spot:v1`)).toBe(0);
  });

  it('answers 503 UPSTREAM_UNAVAILABLE only when nothing was ever cached', async () => {
    const { http } = await app();
    exchange.failNext('/api/v3/exchangeInfo', {
      status: 500,
      body: { code: -1000, msg: 'down' },
      times: 100,
    });
    const res = await http.inject('/api/v1/symbols/spot');
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('rejects any other market with 400 listing the allowed values', async () => {
    const { http } = await app();
    const res = await http.inject('/api/v1/symbols/options');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.message).toContain('spot, futures');
  });

  it('serves a list the Python platform wrote under its key as a HIT, without calling the exchange', async () => {
    const { http, ctx } = await app();
    const seeded = {
      market: 'spot',
      symbols: [{ symbol: 'BTCUSDT', baseAsset: 'BTC', quoteAsset: 'USDT', status: 'TRADING', type: 'spot' }],
      refreshedAt: Date.now() - 60_000,
    };
    await ctx.redis.set(`${ctx.keys.prefix}:cache:symbols:spot:v1`, JSON.stringify(seeded), 'EX', 300);
    const before = exchange.count('/api/v3/exchangeInfo');
    const res = await http.inject('/api/v1/symbols/spot');
    expect(res.headers['x-cache']).toBe('HIT');
    expect(res.json().symbols.map((s: { symbol: string }) => s.symbol)).toEqual(['BTCUSDT']);
    expect(res.json().ageMs).toBeGreaterThanOrEqual(60_000);
    expect(exchange.count('/api/v3/exchangeInfo')).toBe(before);
  });

  it('warmup refetches a cached list, and every instance then serves the new one', async () => {
    const prefix = `warm${Date.now()}`;
    const a = await app({ REDIS_KEY_PREFIX: prefix });
    const b = await app({ REDIS_KEY_PREFIX: prefix });
    const first = (await a.http.inject('/api/v1/symbols/spot')).json();
    const seenByB = await b.http.inject('/api/v1/symbols/spot');
    expect(seenByB.headers['x-cache']).toBe('HIT');
    expect(seenByB.json().refreshedAt).toBe(first.refreshedAt);

    const before = exchange.count('/api/v3/exchangeInfo');
    const warmed = await a.ctx.symbols.warmup('spot');
    expect(exchange.count('/api/v3/exchangeInfo') - before).toBe(1);
    expect(warmed.refreshedAt).toBeGreaterThan(Date.parse(first.refreshedAt));
    // b held the old list in memory: the refresh reaches it through the cache bus.
    await expect
      .poll(async () => (await b.http.inject('/api/v1/symbols/spot')).json().refreshedAt)
      .toBe(new Date(warmed.refreshedAt).toISOString());
    expect(Number(await a.ctx.redis.get(`${prefix}:cache:symbols:spot:v1:refresh_ts`))).toBe(
      warmed.refreshedAt,
    );
  });

  it('makes one exchange call for 200 concurrent cold requests across two app instances', async () => {
    const prefix = `shared${Date.now()}`;
    const a = await app({ REDIS_KEY_PREFIX: prefix });
    const b = await app({ REDIS_KEY_PREFIX: prefix });
    const before = exchange.count('/api/v3/exchangeInfo');
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).http.inject('/api/v1/symbols/spot')),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect(responses.every((r) => r.json().symbols[0].symbol === 'BTCUSDT')).toBe(true);
    expect(exchange.count('/api/v3/exchangeInfo') - before).toBe(1);
  });
});
