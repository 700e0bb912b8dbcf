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

describe('tradecache one-shot output', () => {
  it('users add prints only the API key on stdout, so $(...) captures just the key', async () => {
    const result = await runCli(['users', 'add', 'bob'], { ...env, LOG_LEVEL: 'info' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^tck_[A-Za-z0-9_-]{43}\n$/);
    expect(result.stderr).toContain('created user bob');
    // The logs of a one-shot command stay off stdout even at LOG_LEVEL=info.
    expect(result.stdout).not.toContain('"level"');
  });

  it('prints one JSON line with --json on the reading commands', async () => {
    const listed = await runCli(['users', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      { userId: 'bob', isAdmin: false, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    ]);
    const shown = await runCli(['users', 'show', 'bob', '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ userId: 'bob', isAdmin: false });
    for (const args of [
      ['health', '--json'],
      ['stats', '--json'],
      ['ping', '--json'],
    ]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(JSON.parse(result.stdout), args.join(' ')).toBeTypeOf('object');
    }
  }, 60_000);

  it('exits 1 for a runtime failure: a user that does not exist', async () => {
    const result = await runCli(['users', 'show', 'nobody'], env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('tradecache: no such user nobody');
    expect(result.stdout).toBe('');
  });
});
