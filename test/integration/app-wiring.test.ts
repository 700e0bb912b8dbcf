import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

const ADMIN_TOKEN = 'admin-token-for-wiring-test-0123';
let redis: TestRedis;
let exchange: ReplayServer;
let app: TestApp;
let dataDir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  exchange = await startReplayServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-wiring-'));
  app = await startTestApp({
    REDIS_URL: redis.url,
    BINANCE_SPOT_URL: exchange.url,
    BINANCE_FUTURES_URL: exchange.url,
    TRADECACHE_DATA_DIR: dataDir,
    ADMIN_TOKEN,
  });
});
afterAll(async () => {
  await app.close();
  await exchange.close();
  await redis.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the assembled API', () => {
  it('serves public market data without credentials', async () => {
    expect((await app.http.inject('/api/v1/symbols/spot')).statusCode).toBe(200);
    expect((await app.http.inject('/health')).statusCode).toBe(200);
  });

  it('logs a user in and serves their own preferences, not anyone else', async () => {
    const apiKey = await app.ctx.sessions.users.addUser('alice');
    await app.ctx.sessions.users.addUser('bob');
    const login = await app.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { userId: 'alice', apiKey },
    });
    expect(login.statusCode).toBe(200);
    const { token } = login.json();
    const auth = { authorization: `Bearer ${token}` };

    const put = await app.http.inject({
      method: 'PUT',
      url: '/api/v1/users/me/preferences',
      headers: auth,
      payload: { theme: 'dark', favouriteSymbols: ['BTCUSDT'] },
    });
    expect(put.statusCode).toBe(200);
    const get = await app.http.inject({ url: '/api/v1/users/me/preferences', headers: auth });
    expect(get.json().preferences).toMatchObject({ theme: 'dark', favouriteSymbols: ['BTCUSDT'] });

    expect((await app.http.inject({ url: '/api/v1/cache/sessions/alice', headers: auth })).statusCode).toBe(
      200,
    );
    expect((await app.http.inject({ url: '/api/v1/cache/sessions/bob', headers: auth })).statusCode).toBe(
      403,
    );
    expect(JSON.stringify(app.logs)).not.toContain(apiKey);
    expect(JSON.stringify(app.logs)).not.toContain(token);
  });

  it('refuses a revoked token at once in every process, though verifications are cached', async () => {
    const other = await startTestApp({
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: app.ctx.keys.prefix,
      BINANCE_SPOT_URL: exchange.url,
      BINANCE_FUTURES_URL: exchange.url,
      TRADECACHE_DATA_DIR: dataDir,
    });
    try {
      const apiKey = await app.ctx.sessions.users.addUser('carol');
      const login = await app.http.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { userId: 'carol', apiKey },
      });
      const auth = { authorization: `Bearer ${login.json().token}` };
      const me = '/api/v1/users/me/preferences';
      // Both processes verify the token once and keep the verification.
      expect((await app.http.inject({ url: me, headers: auth })).statusCode).toBe(200);
      expect((await other.http.inject({ url: me, headers: auth })).statusCode).toBe(200);
      expect((await other.http.inject({ url: me, headers: auth })).statusCode).toBe(200);

      await app.ctx.sessions.users.revokeUser('carol');
      await new Promise((r) => setTimeout(r, 100)); // the invalidation crosses Redis pub/sub
      expect((await other.http.inject({ url: me, headers: auth })).statusCode).toBe(401);
      expect((await app.http.inject({ url: me, headers: auth })).statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('guards clearing the history store with admin rights', async () => {
    expect((await app.http.inject({ method: 'POST', url: '/api/v1/backtest/cache/clear' })).statusCode).toBe(
      401,
    );
    const admin = await app.http.inject({
      method: 'POST',
      url: '/api/v1/backtest/cache/clear',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(admin.statusCode).toBe(200);
    expect(JSON.stringify(app.logs)).not.toContain(ADMIN_TOKEN);
  });

  it('describes every route in the OpenAPI document', async () => {
    const doc = (await app.http.inject('/openapi.json')).json();
    for (const route of [
      '/api/v1/symbols/{market}',
      '/api/v1/auth/login',
      '/api/v1/backtest/data',
      '/ready',
    ]) {
      expect(Object.keys(doc.paths)).toContain(route);
    }
  });
});
