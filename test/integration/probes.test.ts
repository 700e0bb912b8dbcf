import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN_TOKEN = 'admin-token-for-probes-test-0123';
const METRICS_TOKEN = 'metrics-token-for-probes-test-01';
let redis: TestRedis;
/** The redis-server now running on redis.port (replaced when a test restarts it). */
let current: EmbeddedRedis;
let restarted: EmbeddedRedis | null = null;
let app: TestApp;
let base: string;
let dataDir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  current = redis;
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-probes-'));
  app = await startTestApp({
    REDIS_URL: redis.url,
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    ADMIN_TOKEN,
    METRICS_TOKEN,
    REDIS_COMMAND_TIMEOUT_MS: '300',
  });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await restarted?.stop();
  await redis.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

/** A real HTTP call that fails the test when no answer came within 1 s (what a probe allows). */
async function probe(route: string, token?: string) {
  const response = await fetch(`${base}${route}`, {
    signal: AbortSignal.timeout(1_000),
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
  return { status: response.status, text: await response.text() };
}

/** SIGSTOP: the server keeps its sockets open and answers nothing, the nastiest outage. */
async function whilePaused<T>(run: () => Promise<T>): Promise<T> {
  process.kill(current.pid, 'SIGSTOP');
  try {
    return await run();
  } finally {
    process.kill(current.pid, 'SIGCONT');
  }
}

describe('/ready', () => {
  it('tells the public only "ready", and admins the Redis details', async () => {
    const open = await probe('/ready');
    expect(open.status).toBe(200);
    expect(JSON.parse(open.text)).toEqual({ status: 'ready' });
    const admin = JSON.parse((await probe('/ready', ADMIN_TOKEN)).text);
    expect(admin.status).toBe('ready');
    expect(admin.redis).toMatchObject({
      mode: 'standalone',
      connection: 'ready',
      failures: expect.any(Number),
    });
    expect(typeof admin.redis.latencyMs).toBe('number');
  });

  it('answers within 1 s with Redis paused, and /metrics too; the public never sees the error text', async () => {
    const { ready, admin, metrics } = await whilePaused(async () => {
      // A fail-soft read times out meanwhile: Redis now has a lastError.
      await app.ctx.store.getInt(`${app.ctx.keys.prefix}:probe`);
      return {
        ready: await probe('/ready'),
        admin: await probe('/ready', ADMIN_TOKEN),
        metrics: await probe('/metrics', METRICS_TOKEN),
      };
    });
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toEqual({
      error: { code: 'NOT_READY', message: expect.any(String), details: { reason: 'REDIS_TIMEOUT' } },
    });
    const lastError = app.ctx.health.snapshot().lastError;
    expect(lastError).toBeTruthy();
    expect(ready.text).not.toContain(String(lastError));
    expect(ready.text).not.toMatch(/lastError|failures|latency/);

    const details = JSON.parse(admin.text).error.details;
    expect(details.reason).toBe('REDIS_TIMEOUT');
    expect(details.redis.lastError).toBe(lastError);
    // The client's connection state is not the verdict: never `status: "ready"` in a NOT_READY answer.
    expect(details.redis.status).toBeUndefined();

    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('tradecache_redis_up');
  });

  it('gives the cause of this outage, not a cause left over from an earlier one', async () => {
    // Outage 1: the server is gone; the client records connection errors (ECONNREFUSED).
    await current.stop();
    await waitFor(() => app.ctx.health.snapshot().lastError?.includes('ECONNREFUSED'));
    const down = JSON.parse((await probe('/ready')).text);
    expect(down.error.details).toEqual({ reason: 'REDIS_DISCONNECTED' });

    restarted = await startEmbeddedRedis({ dataDir: redis.dataDir, port: redis.port });
    current = restarted;
    await waitFor(async () => (await probe('/ready')).status === 200);

    // Outage 2: paused. The answer speaks of this one.
    const admin = await whilePaused(() => probe('/ready', ADMIN_TOKEN));
    const error = JSON.parse(admin.text).error;
    expect(error.details.reason).toBe('REDIS_TIMEOUT');
    expect(error.message).not.toContain('ECONNREFUSED');
    expect(error.details.redis.cause).not.toContain('ECONNREFUSED');
  });
});

describe('/metrics', () => {
  it('refuses a scrape without the METRICS_TOKEN or with a wrong one, and never echoes it', async () => {
    const anonymous = await probe('/metrics');
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text).error.code).toBe('AUTH_REQUIRED');
    const wrong = await probe('/metrics', 'not-the-metrics-token-at-all');
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('not-the-metrics-token');
    const scraped = await probe('/metrics', METRICS_TOKEN);
    expect(scraped.status).toBe(200);
    // The seeds' Redis counters, from the background read.
    await waitFor(async () =>
      (await probe('/metrics', METRICS_TOKEN)).text.includes(
        'tradecache_symbols_cache_counter{market="spot"',
      ),
    );
  });
});

describe('/api/v1/backtest/cache/info', () => {
  it('shows the absolute data path to admins only', async () => {
    const open = await probe('/api/v1/backtest/cache/info');
    expect(open.status).toBe(200);
    expect(JSON.parse(open.text).dir).toBeUndefined();
    expect(open.text).not.toContain(dataDir);
    const admin = JSON.parse((await probe('/api/v1/backtest/cache/info', ADMIN_TOKEN)).text);
    expect(admin.dir).toContain(dataDir);
  });
});
