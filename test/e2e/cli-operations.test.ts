import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let redis: Redis;
let dataDir: string;
const prefix = `cli${randomBytes(3).toString('hex')}`;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestRedis();
  redis = new Redis(server.url);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-cli-ops-'));
  env = { REDIS_URL: server.url, REDIS_KEY_PREFIX: prefix, TRADECACHE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  redis?.disconnect();
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const cached = `${prefix}:cache:cli-quotes:BTCUSDT`;

describe('tradecache health / stats / cache', () => {
  it('health prints the health answer with the server version', async () => {
    const result = await runCli(['health'], env);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.redisConnected).toBe(true);
    expect(body.redisInfo.version).toBe(/redis_version:(\S+)/.exec(await redis.info('server'))?.[1]);
  });

  it('stats counts our keys and not the foreign ones', async () => {
    await redis.set(cached, '{}');
    await redis.set('foreign:key', 'x');
    const result = await runCli(['stats'], env);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.cacheNamespaces['cli-quotes']).toBe(1);
  });

  it('cache clear refuses without --confirm (exit 2) and deletes nothing', async () => {
    await redis.set(cached, '{}');
    const refused = await runCli(['cache', 'clear'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--confirm');
    expect(await redis.exists(cached)).toBe(1);

    const done = await runCli(['cache', 'clear', '--confirm'], env);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout).namespaces['cli-quotes']).toBe(1);
    expect(await redis.exists(cached)).toBe(0);
    expect(await redis.get('foreign:key')).toBe('x');
  });

  it('cache cleanup reports what it removed', async () => {
    const result = await runCli(['cache', 'cleanup'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).removed).toHaveProperty('sessions');
  });
});
