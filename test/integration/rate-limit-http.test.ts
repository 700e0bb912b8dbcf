import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let dataDir: string;
let app: TestApp;

beforeAll(async () => {
  server = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-rate-limit-'));
  app = await startTestApp({
    REDIS_URL: server.url,
    TRADECACHE_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    HTTP_RATE_LIMIT_PER_MIN: '3',
  });
});
afterAll(async () => {
  await app?.close();
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('HTTP_RATE_LIMIT_PER_MIN', () => {
  it('refuses the request past the configured per-address limit with 429, and never /health', async () => {
    const url = '/api/v1/cache/price/BTCUSDT';
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await app.http.inject({ url }));
    expect(answers.slice(0, 3).map((r) => r.statusCode)).not.toContain(429);
    expect(answers[0]!.headers['x-ratelimit-limit']).toBe('3');
    expect(answers[3]!.statusCode).toBe(429);
    expect(answers[3]!.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect((await app.http.inject({ url: '/health' })).statusCode).toBe(200);
  });
});
