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

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'infinite-numbers-'));
  app = await startTestApp({ REDIS_URL: redis.url, EXCHANGE: 'simulated', TRADECACHE_DATA_DIR: dataDir });
  const apiKey = await app.ctx.sessions.users.addUser('alice');
  const login = await app.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { userId: 'alice', apiKey },
  });
  alice = { authorization: `Bearer ${login.json().token}` };
});
afterAll(async () => {
  await app?.close();
  await redis?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

// Found by the fuzz suite: `?limit=1e309` passed validation as Infinity and answered 503.
describe('an infinite number in a querystring', () => {
  const urls = [
    '/api/v1/users/me/notifications?limit=',
    '/api/v1/market/BTCUSDT/ohlcv?interval=1m&limit=',
    '/api/v1/market/BTCUSDT/history?limit=',
  ];
  for (const value of ['1e309', 'Infinity', '-1e309', '-Infinity']) {
    it(`limit=${value} answers 400 VALIDATION_FAILED on every route, never a 5xx`, async () => {
      for (const url of urls) {
        const res = await app.http.inject({ method: 'GET', url: url + value, headers: alice });
        expect(res.statusCode, `${url}${value}: ${res.body}`).toBe(400);
        expect(res.json()).toEqual({
          error: { code: 'VALIDATION_FAILED', message: 'limit: expected a finite number' },
        });
      }
    });
  }

  it('a finite limit still works', async () => {
    const res = await app.http.inject({
      method: 'GET',
      url: '/api/v1/users/me/notifications?limit=5',
      headers: alice,
    });
    expect(res.statusCode).toBe(200);
  });
});
