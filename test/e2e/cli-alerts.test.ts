import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceAlerts } from '../../src/market/alerts/index.ts';
import { createKeys } from '../../src/redis/keys/index.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let client: Redis;
let dataDir: string;
let env: Record<string, string>;
const prefix = `t${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  server = await startTestRedis();
  client = new Redis(server.url);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'cli-alerts-'));
  env = {
    REDIS_URL: server.url,
    REDIS_KEY_PREFIX: prefix,
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
  };
});
afterAll(async () => {
  client?.disconnect();
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('tradecache alerts list', () => {
  it("prints a user's alerts, as text and JSON, and nothing of another user's", async () => {
    const alerts = new PriceAlerts({
      redis: client,
      keys: createKeys(prefix).alerts,
      maxAlertsPerUser: 10,
      notificationsKept: 10,
      currentPrice: async () => null,
    });
    const made = await alerts.create('alice', {
      symbol: 'BTCUSDT',
      market: 'spot',
      targetPrice: '70000.5',
      condition: 'above',
    });
    await alerts.create('bob', {
      symbol: 'ETHUSDT',
      market: 'spot',
      targetPrice: '1000',
      condition: 'below',
    });

    const text = await runCli(['alerts', 'list', 'alice'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(1);
    expect(text.stdout).toContain(`${made.id}\tspot\tBTCUSDT\tabove\t70000.5\tactive`);
    const json = await runCli(['alerts', 'list', 'alice', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual([made]);
    const none = await runCli(['alerts', 'list', 'carol'], env);
    expect(none.stdout).toBe('no alerts\n');
    const bad = await runCli(['alerts', 'list', 'a}b'], env);
    expect(bad.code).not.toBe(0);
  }, 60_000);
});
