import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import { DurableAck } from '../../src/redis/durable-ack.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedisProcess, type TestRedisProcess } from '../helpers/sentinel.ts';
import { waitFor } from '../helpers/wait.ts';

/** A master with one replica: what `WAIT` counts. (The Cluster side: cluster-durable-failover.) */
let master: TestRedisProcess;
let replica: TestRedisProcess;
let onMaster: Redis;
let onReplica: Redis;
let dataDir: string;
const apps: TestApp[] = [];

beforeAll(async () => {
  master = await startTestRedisProcess();
  replica = await startTestRedisProcess([
    `replicaof 127.0.0.1 ${master.port}`,
    `masterauth ${master.password}`,
  ]);
  onMaster = new Redis(master.url, { lazyConnect: true });
  onReplica = new Redis(replica.url, { lazyConnect: true });
  await Promise.all([onMaster.connect(), onReplica.connect()]);
  await waitFor(async () => /slave0:.*state=online/.test(await onMaster.info('replication')), 10_000, 25);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'durable-ack-'));
});
afterAll(async () => {
  for (const app of apps.splice(0).reverse()) await app.close();
  onMaster?.disconnect();
  onReplica?.disconnect();
  await replica?.destroy();
  await master?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('DurableAck', () => {
  it('acknowledges a write only once the replica holds it', async () => {
    const ack = new DurableAck({ replicas: 1, timeoutMs: 1_000 });
    const replies = await ack.exec(onMaster, 'test write', (p) =>
      p.set('durable:one', 'v1').incr('durable:n'),
    );
    expect(replies).toEqual([
      [null, 'OK'],
      [null, 1],
    ]);
    // Right after the acknowledgement, with no wait of our own: the replica already applied it.
    expect(await onReplica.get('durable:one')).toBe('v1');
    expect(await onReplica.get('durable:n')).toBe('1');
  });

  it('answers a transaction as MULTI/EXEC would, replicated before it resolves', async () => {
    const ack = new DurableAck({ replicas: 1, timeoutMs: 1_000 });
    const replies = await ack.transaction(onMaster, 'test transaction', (multi) =>
      multi.set('durable:tx', 'a').zadd('durable:z', 1, 'm').zrange('durable:z', 0, -1),
    );
    expect(replies).toEqual([
      [null, 'OK'],
      [null, 1],
      [null, ['m']],
    ]);
    expect(await onReplica.zrange('durable:z', 0, -1)).toEqual(['m']);
    // The same shape without WAIT.
    const plain = await DurableAck.off.transaction(onMaster, 'test transaction', (multi) =>
      multi.set('durable:tx', 'b').zadd('durable:z', 2, 'm').zrange('durable:z', 0, -1),
    );
    expect(plain).toEqual([
      [null, 'OK'],
      [null, 0],
      [null, ['m']],
    ]);
  });

  it('refuses with WRITE_UNCONFIRMED when fewer replicas confirm than asked; the write itself happened', async () => {
    const ack = new DurableAck({ replicas: 2, timeoutMs: 100 });
    const failure = await ack.exec(onMaster, 'test write', (p) => p.set('durable:two', 'v2')).catch((e) => e);
    expect(isTradecacheError(failure, 'WRITE_UNCONFIRMED')).toBe(true);
    expect(failure.context).toMatchObject({ confirmed: 1, replicas: 2, timeoutMs: 100 });
    expect(failure.message).toContain('may or may not survive');
    expect(await onMaster.get('durable:two')).toBe('v2');
  });

  it('throws the command error first, before any WAIT verdict', async () => {
    const ack = new DurableAck({ replicas: 2, timeoutMs: 50 });
    await onMaster.set('durable:text', 'x');
    await expect(ack.exec(onMaster, 'test write', (p) => p.incr('durable:text'))).rejects.toThrow(
      /not an integer/,
    );
  });
});

describe('durable writes over HTTP', () => {
  const env = (replicas: string) => ({
    REDIS_URL: master.url,
    REDIS_KEY_PREFIX: 'durablehttp',
    REDIS_DURABLE_REPLICAS: replicas,
    REDIS_DURABLE_WAIT_MS: '100',
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
  });

  it('answers 2xx once the replica confirmed, 503 WRITE_UNCONFIRMED (saying it may survive) when it cannot', async () => {
    const confirmed = await startTestApp(env('1'));
    apps.push(confirmed);
    const apiKey = await confirmed.ctx.sessions.users.addUser('alice');
    const login = await logIn(confirmed, apiKey);
    expect(login.statusCode, login.body).toBe(200);
    const auth = { authorization: `Bearer ${login.json().token}` };
    const saved = await putTheme(confirmed, auth, 'dark');
    expect(saved.statusCode, saved.body).toBe(200);
    expect(JSON.parse((await onReplica.get('durablehttp:users:{alice}:preferences')) ?? '{}')).toEqual({
      theme: 'dark',
    });

    // Two replicas asked, one exists: every durable write is refused, and says why.
    const starved = await startTestApp(env('2'));
    apps.push(starved);
    const refused = await putTheme(starved, auth, 'light');
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().error.code).toBe('WRITE_UNCONFIRMED');
    expect(refused.json().error.message).toMatch(/preferences write: .*may or may not survive/);
    const relogin = await logIn(starved, apiKey);
    expect(relogin.statusCode).toBe(503);
    expect(relogin.json().error.code).toBe('WRITE_UNCONFIRMED');
    expect(relogin.body).not.toContain(apiKey);
  });
});

const logIn = (app: TestApp, apiKey: string) =>
  app.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { userId: 'alice', apiKey } });

const putTheme = (app: TestApp, headers: Record<string, string>, theme: string) =>
  app.http.inject({ method: 'PUT', url: '/api/v1/users/me/preferences', headers, payload: { theme } });
