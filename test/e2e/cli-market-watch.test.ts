import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli, type SpawnedCli, spawnCli } from '../helpers/cli.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * `tradecache market watch <symbol> --user <userId>` as a separate process: the prices it always
 * printed, plus the user's alert notifications as another process's check publishes them.
 */
let redis: TestRedis;
let app: TestApp;
let env: Record<string, string>;
let watcher: SpawnedCli | null = null;

beforeAll(async () => {
  redis = await startTestRedis();
  env = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
    EXCHANGE: 'simulated',
    LOG_LEVEL: 'silent',
  };
  app = await startTestApp(env);
});
afterAll(async () => {
  await watcher?.stop('SIGKILL');
  await app?.close();
  await redis?.destroy();
});

async function setPrice(price: string, time: number): Promise<void> {
  await app.ctx.market.batch('spot').price('BTCUSDT', price, time).flush();
}

describe('tradecache market watch --user', () => {
  it("prints the user's alert notification once, beside the prices, and nobody else's", async () => {
    const t0 = Date.now();
    await setPrice('60000.00000000', t0);
    const alice = await app.ctx.alerts.create('alice', {
      market: 'spot',
      symbol: 'ETHUSDT',
      targetPrice: '2000.5',
      condition: 'below',
    });
    await app.ctx.alerts.create('bob', {
      market: 'spot',
      symbol: 'ETHUSDT',
      targetPrice: '2000.5',
      condition: 'below',
    });

    watcher = spawnCli(['market', 'watch', 'BTCUSDT', '--user', 'alice'], env);
    const w = watcher;
    await waitFor(() => w.stderr().includes('watching BTCUSDT'), 30_000);
    await waitFor(() => w.stdout().includes('BTCUSDT 60000.00000000'), 10_000);

    // Another process's check (the feed's seam) fires both users' alerts at once.
    const fired = await app.ctx.alerts.checkPrices('spot', [
      { symbol: 'ETHUSDT', price: '1999.99', time: t0 + 1000 },
    ]);
    expect(fired).toHaveLength(2);
    await waitFor(() => w.stdout().includes(alice.id), 10_000);
    // A later price still prints, and by then any second copy of the notification would have too.
    await setPrice('60001.00000000', t0 + 2000);
    await waitFor(() => w.stdout().includes('BTCUSDT 60001.00000000'), 10_000);

    const alertLines = w
      .stdout()
      .split('\n')
      .filter((line) => line.includes(' ALERT '));
    expect(alertLines).toEqual([
      `${new Date(t0 + 1000).toISOString()} ALERT ETHUSDT below 2000.5 fired at 1999.99 ${alice.id}`,
    ]);
    expect(await w.stop()).toBe(0);
    watcher = null;
  }, 60_000);

  it('exits 2 with one line on a bad user id or --user without watch', async () => {
    for (const args of [
      ['market', 'watch', 'BTCUSDT', '--user', 'a}b'],
      ['market', 'BTCUSDT', '--user', 'alice'],
    ]) {
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  }, 60_000);
});
