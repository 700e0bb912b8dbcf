/**
 * The least-privilege ACL user (README "Least privilege"): created from `aclSetUserArgs` on a
 * real redis-server, the whole service (API, worker, feed, schedulers) runs under it, while the
 * same user is refused FLUSHALL, KEYS, CONFIG and every key and channel of another prefix.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclSetUserArgs } from '../../src/redis/acl.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

const PREFIX = 'acltest';
const USER = 'tradecache-acl';
const PASSWORD = randomBytes(18).toString('base64url');
const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;

let server: TestRedis;
/** The `default` user: sets the scene and checks what the ACL user could not touch. */
let admin: Redis;
/** A bare client logged in as the ACL user. */
let limited: Redis;
let app: TestApp;
let dataDir: string;

beforeAll(async () => {
  server = await startTestRedis();
  admin = new Redis(server.url);
  await admin.call('ACL', ...aclSetUserArgs({ prefix: PREFIX, user: USER, password: PASSWORD }));
  await admin.set('other:secret', 'not yours');
  await admin.set('{other:bull}:jobs:id', '7');
  limited = new Redis({ port: server.port, host: '127.0.0.1', username: USER, password: PASSWORD });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-acl-'));
  app = await startTestApp(
    {
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(server.port),
      REDIS_USERNAME: USER,
      REDIS_PASSWORD: PASSWORD,
      REDIS_KEY_PREFIX: PREFIX,
      EXCHANGE: 'simulated',
      FEED_WATCH_SYMBOLS: 'BTCUSDT',
      FEED_INTERVAL_MS: '300',
      MONITOR_INTERVAL_MS: '200',
      TRADECACHE_DATA_DIR: dataDir,
      ADMIN_TOKEN,
    },
    { role: 'start' },
  );
});
afterAll(async () => {
  await app?.close();
  limited?.disconnect();
  admin?.disconnect();
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'allowed',
    (err: Error) => err.message,
  );

describe('the least-privilege Redis ACL user', () => {
  it('is refused FLUSHALL, KEYS, CONFIG, ACL, CLIENT KILL and another prefix’s keys and channels', async () => {
    expect(await refusal(limited.flushall())).toMatch(/^NOPERM/);
    expect(await refusal(limited.flushdb())).toMatch(/^NOPERM/);
    expect(await refusal(limited.keys('*'))).toMatch(/^NOPERM/);
    expect(await refusal(limited.config('SET', 'maxmemory', '1'))).toMatch(/^NOPERM/);
    expect(await refusal(limited.config('GET', 'requirepass'))).toMatch(/^NOPERM/);
    expect(await refusal(limited.call('ACL', 'SETUSER', USER, '+@all'))).toMatch(/^NOPERM/);
    expect(await refusal(limited.call('CLIENT', 'KILL', 'TYPE', 'normal'))).toMatch(/^NOPERM/);
    expect(await refusal(limited.get('other:secret'))).toMatch(/^NOPERM/);
    expect(await refusal(limited.set('other:secret', 'mine'))).toMatch(/^NOPERM/);
    expect(await refusal(limited.del('{other:bull}:jobs:id'))).toMatch(/^NOPERM/);
    expect(await refusal(limited.publish('other:channel', 'x'))).toMatch(/^NOPERM/);
    // A script cannot reach a foreign key either.
    expect(await refusal(limited.eval("return redis.call('GET', KEYS[1])", 1, 'other:secret'))).toMatch(
      /NOPERM|No permissions/,
    );
    expect(await admin.get('other:secret')).toBe('not yours');
    expect(await admin.get('{other:bull}:jobs:id')).toBe('7');
    // Ours and INFO (BullMQ reads it) are allowed.
    expect(await limited.set(`${PREFIX}:probe`, '1')).toBe('OK');
    expect(await limited.info('server')).toMatch(/redis_version/);
  });

  it('runs everything of ours: symbols, cache, sessions, alerts, jobs, feed, health, stats, cleanup, clear', async () => {
    const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    /** One request that must answer `status`. */
    const expectAnswer = async (
      status: number,
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: string,
      headers: Record<string, string> = {},
      payload?: Record<string, unknown>,
    ) => {
      const res = await app.http.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
      return res;
    };

    // Symbols (warmup through a job run, then the cache routes).
    await app.ctx.jobs?.runNow('warmup-symbols-spot');
    await expectAnswer(200, 'GET', '/api/v1/symbols/spot');
    await expectAnswer(200, 'GET', '/api/v1/cache/symbols');

    // Sessions and login.
    const apiKey = await app.ctx.sessions.users.addUser('acl.alice');
    const login = await expectAnswer(200, 'POST', '/api/v1/auth/login', {}, { userId: 'acl.alice', apiKey });
    const alice = { authorization: `Bearer ${login.json().token}` };
    await expectAnswer(200, 'PUT', '/api/v1/users/me/preferences', alice, { theme: 'dark' });
    await expectAnswer(200, 'GET', '/api/v1/cache/sessions/acl.alice', asAdmin);

    // The feed (leader lease, tick script, pub/sub) writes prices.
    await waitFor(async () => {
      const price = await app.http.inject({ method: 'GET', url: '/api/v1/cache/price/BTCUSDT' });
      return price.statusCode === 200 ? price : undefined;
    });

    // Alerts: create, then a price check fires it into the user's notifications.
    await expectAnswer(201, 'POST', '/api/v1/cache/price-alert', alice, {
      symbol: 'ETHUSDT',
      targetPrice: '1000000',
      condition: 'above',
    });
    const fired = await app.ctx.alerts.checkPrices('spot', [
      { symbol: 'ETHUSDT', price: '1000001', time: Date.now() },
    ]);
    expect(fired).toHaveLength(1);
    await waitFor(async () => {
      const list = await expectAnswer(200, 'GET', '/api/v1/users/me/notifications', alice);
      return list.json().notifications?.length > 0 ? list : undefined;
    });

    // Operations: health, stats, readiness, cleanup, clear.
    for (const url of ['/ready', '/api/v1/cache/health', '/api/v1/cache/stats'])
      await expectAnswer(200, 'GET', url, asAdmin);
    await expectAnswer(200, 'POST', '/api/v1/cache/cleanup', asAdmin);
    await expectAnswer(200, 'DELETE', '/api/v1/cache/clear?confirm=true', asAdmin);

    // Every connection of the service is the ACL user's, none the default user's.
    const clients = String(await admin.client('LIST'))
      .split('\n')
      .filter((line) => /name=tradecache:/.test(line));
    expect(clients.length).toBeGreaterThanOrEqual(3);
    expect(clients.filter((line) => !line.includes(` user=${USER} `))).toEqual([]);

    // Nothing of ours was refused along the way, and the foreign keys are untouched.
    expect(app.logs.filter((line) => /NOPERM|no permissions/i.test(line) && !/SLOWLOG/.test(line))).toEqual(
      [],
    );
    expect(await admin.get('other:secret')).toBe('not yours');
  });

  it('a wrong password for the ACL user stops the start with a hint, never the password', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const failure = await startTestApp({
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(server.port),
      REDIS_USERNAME: USER,
      REDIS_PASSWORD: wrong,
      EXCHANGE: 'simulated',
      TRADECACHE_DATA_DIR: dataDir,
    }).then(
      () => null,
      (err: Error) => err,
    );
    expect(failure?.message).toMatch(/WRONGPASS.*check REDIS_USERNAME and REDIS_PASSWORD/);
    expect(failure?.message).not.toContain(wrong);
  });

  it('loses only the slow-command sample, with one clear warning', async () => {
    await waitFor(() => app.ctx.operations.monitor.snapshot().info !== null || undefined);
    const warnings = app.logs.filter((line) => /SLOWLOG/.test(line));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"level":40/);
    expect(app.ctx.operations.monitor.snapshot().lastError).toBeNull();
  });
});
