import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The response cache as mounted in the real app: real Redis, real exchange replay, real HTTP
 * over a socket (fetch), so the headers checked are those a client or proxy really receives.
 */
const ADMIN_TOKEN = 'admin-token-for-response-cache-test';
let redis: TestRedis;
let exchange: ReplayServer;
let dataDir: string;
let app: TestApp;
let base: string;

beforeAll(async () => {
  redis = await startTestRedis();
  exchange = await startReplayServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-response-cache-'));
  app = await startTestApp(env());
  base = await app.http.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
  await exchange.close();
  await redis.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    BINANCE_SPOT_URL: exchange.url,
    BINANCE_FUTURES_URL: exchange.url,
    TRADECACHE_DATA_DIR: dataDir,
    ADMIN_TOKEN,
    ...extra,
  };
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return fetch(`${base}${url}`, { method, headers });
}

/**
 * Closed 1m candles of the replayed fixture (2021-10-22 23:03 … 23:12 UTC). Spot ranges are
 * stored in the kline store after the first fetch; the futures market is fetched from the
 * exchange the first time only, for tests that need the exchange to be asked.
 */
function dataUrl(start = '2021-10-22T23:03:00Z', market = 'spot') {
  return `/api/v1/backtest/data?symbol=BTCUSDT&interval=1m&start=${start}&end=2021-10-22T23:13:00Z&market=${market}`;
}

async function loginAs(userId: string): Promise<string> {
  return login(userId, await app.ctx.sessions.users.addUser(userId));
}

async function login(userId: string, apiKey: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, apiKey }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function putPreferences(token: string, preferences: Record<string, unknown>) {
  const res = await fetch(`${base}/api/v1/users/me/preferences`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(preferences),
  });
  expect(res.status).toBe(200);
}

const PREFS = '/api/v1/users/me/preferences';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('GET /api/v1/backtest/data (shared response cache)', () => {
  it('answers MISS then HIT with the identical body and ETag, and 304 on If-None-Match', async () => {
    const url = dataUrl();
    const miss = await get(url);
    const missBody = await miss.text();
    expect(miss.status).toBe(200);
    expect(JSON.parse(missBody).count).toBe(10);
    expect(miss.headers.get('x-cache')).toBe('MISS');
    const etag = miss.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);

    const hit = await get(url);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(await hit.text()).toBe(missBody);
    expect(hit.headers.get('etag')).toBe(etag);
    expect(hit.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(Number(hit.headers.get('age'))).toBeGreaterThanOrEqual(0);

    const revalidated = await get(url, { 'if-none-match': String(etag) });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
    expect(revalidated.headers.get('etag')).toBe(etag);
  });

  it('keeps the CSV variant apart from the JSON one (Vary: accept)', async () => {
    const url = dataUrl('2021-10-22T23:04:00Z');
    const json = await get(url, { accept: 'application/json' });
    const csv = await get(url, { accept: 'text/csv' });
    const csvHit = await get(url, { accept: 'text/csv' });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(csv.headers.get('x-cache')).toBe('MISS');
    expect(csvHit.headers.get('x-cache')).toBe('HIT');
    expect(csvHit.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csvHit.headers.get('vary')).toBe('accept');
    expect((await csvHit.text()).startsWith('open_time,')).toBe(true);
  });

  it('answers HEAD from the stored GET, without a body', async () => {
    const url = dataUrl('2021-10-22T23:05:00Z');
    const body = await (await get(url)).text();
    const head = await get(url, {}, 'HEAD');
    expect(head.headers.get('x-cache')).toBe('HIT');
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    expect(await head.text()).toBe('');
  });

  it('neither stores nor serves a stored answer to a request with credentials', async () => {
    const url = dataUrl('2021-10-22T23:06:00Z');
    const withCookie = await get(url, { cookie: 'tc_session=whatever' });
    const withAuth = await get(url, { authorization: `Bearer ${ADMIN_TOKEN}` });
    const anonymous = await get(url);
    expect(withCookie.headers.get('x-cache')).toBe('BYPASS');
    expect(withAuth.headers.get('x-cache')).toBe('BYPASS');
    expect(anonymous.headers.get('x-cache')).toBe('MISS');
  });

  it('never stores a 4xx, even one a later request turns into a 200', async () => {
    const url = dataUrl('2021-10-22T23:07:00Z', 'futures');
    exchange.failNext('/fapi/v1/klines', { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    const refused = await get(url);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(refused.headers.get('etag')).toBeNull();
    const again = await get(url);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-cache')).toBe('MISS');

    const badInterval = dataUrl().replace('interval=1m', 'interval=7m');
    const first = await get(badInterval);
    const second = await get(badInterval);
    expect([first.status, second.status]).toEqual([400, 400]);
    expect(second.headers.get('x-cache')).not.toBe('HIT');
  });

  it('does not store a range reaching past the last closed candle', async () => {
    const now = Date.now();
    const url = `/api/v1/backtest/data?symbol=BTCUSDT&interval=1m&start=${now - 3_600_000}&end=${now + 60_000}`;
    const one = await get(url);
    const two = await get(url);
    expect(one.status).toBe(200);
    expect(one.headers.get('cache-control')).toBe('no-store');
    expect(two.headers.get('x-cache')).toBe('MISS');
  });

  it('forgets stored data when an admin clears the kline store', async () => {
    const url = dataUrl('2021-10-22T23:08:00Z');
    await get(url);
    expect((await get(url)).headers.get('x-cache')).toBe('HIT');
    const clear = await fetch(`${base}/api/v1/backtest/cache/clear`, {
      method: 'POST',
      headers: bearer(ADMIN_TOKEN),
    });
    expect(clear.status).toBe(200);
    expect((await get(url)).headers.get('x-cache')).toBe('MISS');
  });

  it('keeps /cache/info, /health and /metrics out of the cache: info shows a clear at once', async () => {
    const entries = async () =>
      ((await (await get('/api/v1/backtest/cache/info')).json()) as { entries: number }).entries;
    await get(dataUrl('2021-10-22T23:09:00Z'));
    expect(await entries()).toBeGreaterThan(0);
    const clear = await fetch(`${base}/api/v1/backtest/cache/clear`, {
      method: 'POST',
      headers: bearer(ADMIN_TOKEN),
    });
    expect(clear.status).toBe(200);
    expect(await entries()).toBe(0);
    for (const url of ['/api/v1/backtest/cache/info', '/health', '/ready', '/metrics']) {
      const res = await get(url);
      expect(res.headers.get('x-cache'), url).toBeNull();
      expect(res.headers.get('etag'), url).toBeNull();
    }
  });
});

describe('GET /api/v1/users/me/preferences (per-user response cache)', () => {
  it("never serves one user's preferences to another, nor to an anonymous caller", async () => {
    const alice = await loginAs('alice');
    const bob = await loginAs('bob');
    await putPreferences(alice, { theme: 'dark', favouriteSymbols: ['BTCUSDT'] });
    await putPreferences(bob, { theme: 'light', favouriteSymbols: ['ETHUSDT'] });

    const aliceMiss = await get(PREFS, bearer(alice));
    const aliceHit = await get(PREFS, bearer(alice));
    expect(aliceMiss.headers.get('x-cache')).toBe('MISS');
    expect(aliceHit.headers.get('x-cache')).toBe('HIT');
    expect(await aliceHit.json()).toEqual({ preferences: { theme: 'dark', favouriteSymbols: ['BTCUSDT'] } });
    expect(aliceHit.headers.get('cache-control')).toBe('private, no-cache');
    expect(aliceHit.headers.get('vary')).toBe('authorization, cookie');

    const bobRes = await get(PREFS, bearer(bob));
    expect(await bobRes.json()).toEqual({ preferences: { theme: 'light', favouriteSymbols: ['ETHUSDT'] } });
    // Bob presenting Alice's ETag gets his own answer, not a 304 for hers.
    const bobRevalidates = await get(PREFS, {
      ...bearer(bob),
      'if-none-match': String(aliceHit.headers.get('etag')),
    });
    expect(bobRevalidates.status).toBe(200);
    expect(((await bobRevalidates.json()) as { preferences: { theme: string } }).preferences.theme).toBe(
      'light',
    );
    const bobByCookie = await get(PREFS, { cookie: `tc_session=${bob}` });
    expect(((await bobByCookie.json()) as { preferences: { theme: string } }).preferences.theme).toBe(
      'light',
    );

    const anonymous = await get(PREFS);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('dark');
    const forged = await get(PREFS, { authorization: 'Bearer not-a-token' });
    expect(forged.status).toBe(401);
    expect(await forged.text()).not.toContain('dark');
  });

  it('keys by the user, not the token: another session of the same user hits', async () => {
    const apiKey = await app.ctx.sessions.users.addUser('carol');
    const laptop = await login('carol', apiKey);
    const phone = await login('carol', apiKey);
    expect(phone).not.toBe(laptop);
    await putPreferences(laptop, { theme: 'dark' });
    expect((await get(PREFS, bearer(laptop))).headers.get('x-cache')).toBe('MISS');
    const fromPhone = await get(PREFS, { cookie: `tc_session=${phone}` });
    expect(fromPhone.headers.get('x-cache')).toBe('HIT');
    expect(((await fromPhone.json()) as { preferences: { theme: string } }).preferences.theme).toBe('dark');
  });

  it('serves fresh preferences right after a PUT, in this process and in another one', async () => {
    const other = await startTestApp(env({ REDIS_KEY_PREFIX: app.ctx.keys.prefix }));
    try {
      const dave = await loginAs('dave');
      await putPreferences(dave, { theme: 'dark' });
      await get(PREFS, bearer(dave));
      expect((await get(PREFS, bearer(dave))).headers.get('x-cache')).toBe('HIT');
      const inOther = await other.http.inject({ url: PREFS, headers: bearer(dave) });
      expect(inOther.headers['x-cache']).toBe('HIT');

      await putPreferences(dave, { theme: 'light' });
      const fresh = await get(PREFS, bearer(dave));
      expect(fresh.headers.get('x-cache')).toBe('MISS');
      expect(((await fresh.json()) as { preferences: { theme: string } }).preferences.theme).toBe('light');
      // The other process drops its in-memory copy when the invalidation crosses Redis pub/sub.
      await waitFor(async () => {
        const res = await other.http.inject({ url: PREFS, headers: bearer(dave) });
        return res.json().preferences.theme === 'light';
      });
    } finally {
      await other.close();
    }
  });

  it('does not cache the admin token, which has no preferences', async () => {
    const res = await get(PREFS, bearer(ADMIN_TOKEN));
    expect(res.status).toBe(403);
    expect(res.headers.get('x-cache')).toBe('BYPASS');
  });
});
