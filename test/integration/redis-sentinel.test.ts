import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pingRedis } from '../../src/cli/ping.ts';
import { loadConfig } from '../../src/config/load.ts';
import { isTradecacheError } from '../../src/errors.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestSentinels, type TestRedisNode, type TestSentinelSetup } from '../helpers/sentinel.ts';
import { waitFor } from '../helpers/wait.ts';

let setup: TestSentinelSetup;
let dataDir: string;

beforeAll(async () => {
  setup = await startTestSentinels({ sentinels: 2 });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-sentinel-app-'));
});
afterAll(async () => {
  await setup?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const ADMIN_TOKEN = 'admin-token-for-sentinel-test-01';
const appEnv = (extra: Record<string, string> = {}) => ({
  ...setup.env(),
  EXCHANGE: 'simulated',
  TRADECACHE_DATA_DIR: dataDir,
  ADMIN_TOKEN,
  ...extra,
});
// /ready shows the mode and the master only to admins.
const asAdmin = { url: '/ready', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

/** Names of the client connections on a data node (BullMQ names its worker's `{prefix:bull}:...:w:<host>`), the sentinels' own links left out. */
async function connectionNames(node: TestRedisNode): Promise<string[]> {
  const client = setup.nodeClient(node);
  try {
    await client.connect();
    const list = String(await client.client('LIST'));
    return [...list.matchAll(/ name=(\S+)/g)]
      .map((m) => m[1] ?? '')
      .filter((name) => name !== '' && !name.startsWith('sentinel-'));
  } finally {
    client.disconnect();
  }
}

async function startupError(env: Record<string, string>): Promise<Error> {
  try {
    const app = await startTestApp(appEnv(env));
    await app.close();
  } catch (err) {
    return err as Error;
  }
  throw new Error('the app started');
}

describe('Redis Sentinel', () => {
  it('runs the app through the sentinels and follows a failover with every connection', async () => {
    let app: TestApp | undefined;
    try {
      app = await startTestApp(appEnv(), { role: 'start' });
      const { http, ctx } = app;
      const first = setup.master;

      const ready = await http.inject(asAdmin);
      expect(ready.statusCode).toBe(200);
      expect(ready.json().redis).toMatchObject({
        mode: 'sentinel',
        masterName: setup.masterName,
        master: first.address,
      });
      const symbols = await http.inject('/api/v1/symbols/spot');
      expect(symbols.statusCode).toBe(200);
      expect(symbols.json().symbols.length).toBeGreaterThan(0);
      // Commands, cache bus, BullMQ queue and worker: all on the master the sentinels named.
      const roles = ['tradecache:command', 'tradecache:subscriber', 'tradecache:queue'];
      const allOn = async (node: TestRedisNode) => {
        const names = await connectionNames(node);
        return roles.every((role) => names.includes(role)) && names.some((n) => /:bull\}:.*:w:/.test(n));
      };
      await waitFor(() => allOn(first));
      expect(app.logs.join('\n')).toMatch(/"sentinels":\["127\.0\.0\.1:\d+","127\.0\.0\.1:\d+"/);

      // The startup warmups finish first: a job cut by the failover is the queue's business
      // (it is retried when its lock expires), not the connection layer's.
      await waitFor(async () => {
        const counts = await ctx.jobs?.queue.getJobCounts('active', 'waiting', 'completed');
        return (counts?.completed ?? 0) >= 2 && counts?.active === 0 && counts.waiting === 0;
      });
      const next = await setup.failover();
      await waitFor(async () => (await http.inject(asAdmin)).json().redis?.master === next.address);
      // The app moved on the sentinels' +switch-master, not when Sentinel got round to demoting
      // the old master (seconds later): writes it made there meanwhile would have been lost.
      expect(await setup.role(first)).toBe('master');

      const key = `${ctx.keys.prefix}:failover-probe`;
      await waitFor(
        async () => (await ctx.redis.set(key, 'written-after-failover').catch(() => null)) === 'OK',
      );
      const direct = setup.nodeClient(next);
      try {
        await direct.connect();
        expect(await direct.get(key)).toBe('written-after-failover');
      } finally {
        direct.disconnect();
      }
      await waitFor(() => allOn(next));
      // A job needs the queue, the events listener and the worker's blocking connection.
      expect(await ctx.jobs?.runNow('warmup-symbols-spot', undefined, { waitMs: 10_000 })).toBeTruthy();
      // Nothing of ours stays on the demoted node, where writes would be lost.
      await waitFor(async () => (await connectionNames(first)).length === 0);
      expect((await http.inject('/api/v1/symbols/spot')).statusCode).toBe(200);

      const logs = app.logs.join('\n');
      const moved = app.logs.map((line) => JSON.parse(line)).find((r) => r.to === next.address);
      expect(moved).toMatchObject({
        msg: `redis master "${setup.masterName}" moved to ${next.address}`,
        from: first.address,
      });
      for (const secret of [setup.password, setup.sentinelPassword]) expect(logs).not.toContain(secret);
    } finally {
      await app?.close();
    }
    // Closing leaves no connection behind, on the data nodes or on the sentinels (the failover
    // watch's subscriptions close with the last client; a leak would keep the process alive).
    await waitFor(async () => (await sentinelSubscribers()) === 0);
    await waitFor(async () => (await connectionNames(setup.master)).length === 0);
    await waitFor(async () => (await connectionNames(setup.replica)).length === 0);
  });

  it('refuses to start with a wrong sentinel password, naming the variable, never the password', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const err = await startupError({ REDIS_SENTINEL_PASSWORD: wrong });
    expect(isTradecacheError(err, 'REDIS_UNAVAILABLE')).toBe(true);
    expect(err.message).toMatch(/WRONGPASS/);
    expect(err.message).toContain('REDIS_SENTINEL_PASSWORD');
    expect(err.message).toContain(`master "${setup.masterName}"`);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(setup.sentinelPassword);
  });

  it('tells a wrong master password and an unknown master name apart', async () => {
    const wrongPassword = await startupError({ REDIS_PASSWORD: `wrong-${randomUUID()}` });
    expect(wrongPassword.message).toMatch(/WRONGPASS.*check REDIS_PASSWORD/);
    const unknown = await startupError({ REDIS_SENTINEL_MASTER: 'no-such-master' });
    expect(unknown.message).toContain('No such master with that name');
    expect(unknown.message).toContain('"no-such-master"');
  });

  it('tradecache ping reports the mode and the master found through the sentinels', async () => {
    const master = await setup.currentMaster();
    const ok = await runCli(['ping'], setup.env());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      `PONG from ${master} (master "${setup.masterName}" through sentinels 127.0.0.1:`,
    );
    expect(ok.stdout).toMatch(/ in [\d.]+ ms \(redis \d[\d.]*, sentinel\)\n$/);
    expect(ok.stdout + ok.stderr).not.toContain(setup.sentinelPassword);

    // The first listed sentinel is down (nothing listens on port 1): the next one is asked.
    const withDead = loadConfig({
      ...setup.env(),
      REDIS_SENTINELS: `127.0.0.1:1,${setup.env().REDIS_SENTINELS}`,
    });
    expect(await pingRedis(withDead)).toMatchObject({ mode: 'sentinel', master });

    const wrong = `wrong-${randomUUID()}`;
    const failed = await pingRedis(loadConfig({ ...setup.env(), REDIS_SENTINEL_PASSWORD: wrong })).catch(
      (err: Error) => err,
    );
    expect(isTradecacheError(failed, 'REDIS_UNAVAILABLE')).toBe(true);
    expect((failed as Error).message).toContain('check REDIS_SENTINEL_PASSWORD');
    expect((failed as Error).message).not.toContain(wrong);
  });

  it('stops with exit 2 and one line naming REDIS_SENTINELS when the list is malformed', async () => {
    const malformed = await runCli(['ping'], { ...setup.env(), REDIS_SENTINELS: 'sentinel-1:26379,:26379' });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr.trim().split('\n')).toHaveLength(1);
    expect(malformed.stderr).toContain('invalid REDIS_SENTINELS: entry 2');
    expect(malformed.stdout + malformed.stderr).not.toContain(setup.sentinelPassword);
  });
});

/** Pub/sub connections on the sentinels other than the sentinels' own links to each other. */
async function sentinelSubscribers(): Promise<number> {
  let count = 0;
  for (const sentinel of setup.sentinels) {
    const client = new Redis({
      host: '127.0.0.1',
      port: sentinel.port,
      password: setup.sentinelPassword,
      lazyConnect: true,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const list = String(await client.client('LIST'));
      count += list.split('\n').filter((line) => / cmd=subscribe /.test(line)).length;
    } finally {
      client.disconnect();
    }
  }
  return count;
}
