import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let redis: TestRedis;
let app: TestApp;
let dataDir: string;
let alice: Record<string, string>;
let bob: Record<string, string>;
const NOW = Date.now();

async function login(userId: string): Promise<Record<string, string>> {
  const apiKey = await app.ctx.sessions.users.addUser(userId);
  const answer = await app.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { userId, apiKey },
  });
  return { authorization: `Bearer ${answer.json().token}` };
}

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'alerts-http-'));
  app = await startTestApp({ REDIS_URL: redis.url, EXCHANGE: 'simulated', TRADECACHE_DATA_DIR: dataDir });
  alice = await login('alice');
  bob = await login('bob');
  // The price the feed would have written.
  await app.ctx.market.batch('spot').price('BTCUSDT', '60000.00000000', NOW).flush();
});
afterAll(async () => {
  await app?.close();
  await redis?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const create = (headers: Record<string, string>, payload: unknown) =>
  app.http.inject({
    method: 'POST',
    url: '/api/v1/cache/price-alert',
    headers: { ...headers, 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

describe('price alert routes', () => {
  it('sets, lists and deletes an alert; another user sees nothing and gets 404', async () => {
    const answer = await create(alice, {
      symbol: 'BTCUSDT',
      targetPrice: '61000.50',
      condition: 'above',
      ttlSeconds: 3600,
    });
    expect(answer.statusCode, answer.body).toBe(201);
    const alert = answer.json();
    expect(alert).toMatchObject({
      symbol: 'BTCUSDT',
      market: 'spot',
      targetPrice: '61000.50',
      condition: 'above',
      status: 'active',
    });
    expect(alert.id).toMatch(/^al_[0-9a-f]{24}$/);
    expect(Date.parse(alert.expiresAt) - Date.parse(alert.createdAt)).toBe(3_600_000);

    const listed = await app.http.inject({ url: '/api/v1/cache/price-alerts', headers: alice });
    expect(listed.json().alerts.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    const others = await app.http.inject({ url: '/api/v1/cache/price-alerts?status=all', headers: bob });
    expect(others.json()).toEqual({ alerts: [] });

    const stolen = await app.http.inject({
      method: 'DELETE',
      url: `/api/v1/cache/price-alert/${alert.id}`,
      headers: bob,
    });
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json().error.code).toBe('NOT_FOUND');
    const deleted = await app.http.inject({
      method: 'DELETE',
      url: `/api/v1/cache/price-alert/${alert.id}`,
      headers: alice,
    });
    expect(deleted.json()).toEqual({ deleted: true });
    const again = await app.http.inject({
      method: 'DELETE',
      url: `/api/v1/cache/price-alert/${alert.id}`,
      headers: alice,
    });
    expect(again.statusCode).toBe(404);
  });

  it('fires when the feed writes a price and checks it; lists the notification and the triggered alert', async () => {
    const alert = (
      await create(alice, { symbol: 'BTCUSDT', targetPrice: '60100', condition: 'crosses' })
    ).json();
    // What the feed does per flush: write the batch, then hand the same prices to the alert check.
    const batch = app.ctx.market.batch('spot');
    batch.price('BTCUSDT', '60100.01000000', NOW + 1000);
    await batch.flush();
    const fired = await app.ctx.alerts.checkPrices('spot', [
      { symbol: 'BTCUSDT', price: '60100.01000000', time: NOW + 1000 },
    ]);
    expect(fired.map((n) => n.alertId)).toEqual([alert.id]);

    const notes = await app.http.inject({ url: '/api/v1/users/me/notifications', headers: alice });
    expect(notes.statusCode).toBe(200);
    expect(notes.json().notifications[0]).toEqual({
      id: expect.stringMatching(/^nt_/),
      alertId: alert.id,
      symbol: 'BTCUSDT',
      market: 'spot',
      condition: 'crosses',
      targetPrice: '60100',
      price: '60100.01000000',
      triggeredAt: new Date(NOW + 1000).toISOString(),
    });
    const bobs = await app.http.inject({ url: '/api/v1/users/me/notifications', headers: bob });
    expect(bobs.json()).toEqual({ notifications: [] });
    const triggered = await app.http.inject({
      url: '/api/v1/cache/price-alerts?status=triggered',
      headers: alice,
    });
    expect(triggered.json().alerts).toEqual([expect.objectContaining({ id: alert.id, status: 'triggered' })]);
  });

  it('accepts a symbol of any quote asset the exchange trades, and futures', async () => {
    const markets = await app.ctx.exchange.getMarkets('spot');
    const cross = markets.find((m) => m.status === 'TRADING' && m.quoteAsset !== 'USDT');
    expect(cross).toBeDefined();
    const answer = await create(bob, { symbol: cross?.symbol, targetPrice: '1', condition: 'below' });
    expect(answer.statusCode, answer.body).toBe(201);
    const futures = await create(bob, {
      symbol: 'BTCUSDT',
      market: 'futures',
      targetPrice: '1',
      condition: 'below',
    });
    expect(futures.json()).toMatchObject({ market: 'futures' });
  });

  it.each([
    ['a missing field', { symbol: 'BTCUSDT', condition: 'above' }],
    [
      'a float targetPrice with 30 digits',
      // Raw JSON: the number's 30 digits as the client sent them.
      '{"symbol":"BTCUSDT","condition":"above","targetPrice":0.123456789012345678901234567891}',
    ],
    [
      'a 30-digit decimal string',
      { symbol: 'BTCUSDT', condition: 'above', targetPrice: '0.123456789012345678901234567891' },
    ],
    ['a negative price', { symbol: 'BTCUSDT', condition: 'above', targetPrice: '-5' }],
    ['a zero price', { symbol: 'BTCUSDT', condition: 'above', targetPrice: '0.000' }],
    ['an exponent', { symbol: 'BTCUSDT', condition: 'above', targetPrice: '1e5' }],
    ['an unknown condition', { symbol: 'BTCUSDT', condition: 'sideways', targetPrice: '1' }],
    ['an unknown market', { symbol: 'BTCUSDT', market: 'margin', condition: 'above', targetPrice: '1' }],
    ['an unknown field', { symbol: 'BTCUSDT', condition: 'above', targetPrice: '1', note: 'x' }],
    ['a bad ttl', { symbol: 'BTCUSDT', condition: 'above', targetPrice: '1', ttlSeconds: 0 }],
    ['a symbol the exchange does not list', { symbol: 'NOSUCHUSDT', condition: 'above', targetPrice: '1' }],
    ['a lower-case symbol', { symbol: 'btcusdt', condition: 'above', targetPrice: '1' }],
  ])('refuses %s with 400 and changes nothing', async (_name, payload) => {
    const before = (
      await app.http.inject({ url: '/api/v1/cache/price-alerts?status=all', headers: bob })
    ).json();
    const answer = await create(bob, payload);
    expect(answer.statusCode, answer.body).toBe(400);
    expect(Object.keys(answer.json().error).sort()).toEqual(['code', 'message']);
    const after = (
      await app.http.inject({ url: '/api/v1/cache/price-alerts?status=all', headers: bob })
    ).json();
    expect(after).toEqual(before);
  });

  it('refuses a huge body with 413, bad queries and ids with 400, and anonymous callers with 401', async () => {
    const huge = await create(bob, {
      symbol: 'BTCUSDT',
      condition: 'above',
      targetPrice: '1',
      pad: 'x'.repeat(100_000),
    });
    expect(huge.statusCode).toBe(413);
    expect(
      (await app.http.inject({ url: '/api/v1/cache/price-alerts?status=maybe', headers: bob })).statusCode,
    ).toBe(400);
    expect(
      (await app.http.inject({ url: '/api/v1/users/me/notifications?limit=501', headers: bob })).statusCode,
    ).toBe(400);
    expect(
      (await app.http.inject({ url: '/api/v1/users/me/notifications?limit=0', headers: bob })).statusCode,
    ).toBe(400);
    expect(
      (await app.http.inject({ method: 'DELETE', url: '/api/v1/cache/price-alert/not-an-id', headers: bob }))
        .statusCode,
    ).toBe(400);
    expect((await app.http.inject({ url: '/api/v1/cache/price-alerts' })).statusCode).toBe(401);
    expect((await create({}, { symbol: 'BTCUSDT', condition: 'above', targetPrice: '1' })).statusCode).toBe(
      401,
    );
  });

  it('refuses the alert past MAX_ALERTS_PER_USER with 409', async () => {
    const carol = await login('carol');
    for (let i = 0; i < app.ctx.config.alerts.maxAlertsPerUser; i++) {
      const answer = await create(carol, {
        symbol: 'BTCUSDT',
        condition: 'above',
        targetPrice: `${70000 + i}`,
      });
      expect(answer.statusCode).toBe(201);
    }
    const over = await create(carol, { symbol: 'BTCUSDT', condition: 'above', targetPrice: '99999' });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('CONFLICT');
  });

  it('describes the routes in /openapi.json', async () => {
    const spec = (await app.http.inject('/openapi.json')).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/cache/price-alert',
        '/api/v1/cache/price-alerts',
        '/api/v1/cache/price-alert/{id}',
        '/api/v1/users/me/notifications',
      ]),
    );
  });
});
