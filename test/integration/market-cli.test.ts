import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let redis: TestRedis;
let app: TestApp;
const prefix = `t${randomBytes(4).toString('hex')}`;
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startTestRedis();
  env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, EXCHANGE: 'simulated', LOG_LEVEL: 'silent' };
  app = await startTestApp(env);
  const batch = app.ctx.market.batch('spot');
  batch.price('BTCUSDT', '60650.01000000', Date.now());
  batch.trade('BTCUSDT', {
    id: 7,
    price: '60650.01000000',
    quantity: '0.00100000',
    side: 'buy',
    time: Date.now(),
  });
  await batch.flush();
});
afterAll(async () => {
  await app?.close();
  await redis?.destroy();
});

describe('tradecache market', () => {
  it('prints what the market-data route answers', async () => {
    const r = await runCli(['market', 'BTCUSDT'], env);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    const res = await app.http.inject({ method: 'GET', url: '/api/v1/cache/market-data/BTCUSDT' });
    const answered = res.json();
    expect({ ...printed, ageMs: 0, fresh: true }).toEqual({ ...answered, ageMs: 0, fresh: true });
    expect(printed.price.price).toBe('60650.01000000');
  });

  it('exits 2 with one line on a bad symbol', async () => {
    for (const args of [
      ['market', 'btc-usdt'],
      ['market', 'watch', 'x'],
    ]) {
      const r = await runCli(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
