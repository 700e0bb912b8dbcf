import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfoFields } from '../../src/operations/redis-info.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

// This file's own redis-server: its maxmemory and slow log are changed below.
let server: TestRedis;
let exchange: ReplayServer;
let dataDir: string;
let redis: Redis;
let app: TestApp;

beforeAll(async () => {
  server = await startTestRedis();
  exchange = await startReplayServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-monitor-'));
  redis = new Redis(server.url);
  await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
  app = await startTestApp(
    {
      REDIS_URL: server.url,
      BINANCE_SPOT_URL: exchange.url,
      BINANCE_FUTURES_URL: exchange.url,
      TRADECACHE_DATA_DIR: dataDir,
      ADMIN_TOKEN,
      MONITOR_INTERVAL_MS: '3600000',
    },
    { role: 'api' },
  );
});
afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await exchange?.close();
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const logged = (text: string) => app.logs.filter((line) => line.includes(text));

describe('Redis monitor', () => {
  it('warns at start when the Redis holding queues and user data can evict keys', async () => {
    const [line] = await waitFor(() => {
      const lines = logged('maxmemory-policy can evict keys');
      return lines.length > 0 ? lines : null;
    });
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 40, evictionPolicy: 'allkeys-lru' });
  });

  it('warns and runs the cleanup when memory reaches 80 % of a small maxmemory', async () => {
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    const used = Number(parseInfoFields(await redis.info('memory')).get('used_memory'));
    // Just above what is used: 85-90 % full, below the OOM line.
    await redis.config('SET', 'maxmemory', String(Math.ceil(used / 0.86)));
    expect(logged('Redis memory above 80 %')).toEqual([]);
    await app.ctx.operations.monitor.tick();
    const snapshot = app.ctx.operations.monitor.snapshot();
    expect(snapshot.memoryWarning).toBe(true);
    expect(snapshot.memoryRatio).toBeGreaterThanOrEqual(0.8);
    expect(logged('Redis memory above 80 %')).toHaveLength(1);
    await waitFor(() => logged('expired data cleaned up').length > 0);

    const health = await app.http.inject({ method: 'GET', url: '/api/v1/cache/health', headers: admin });
    expect(health.json().status).toBe('degraded');
    expect(health.json().warnings.join(' ')).toContain('% of maxmemory');

    const metrics = (await app.http.inject({ method: 'GET', url: '/metrics' })).body;
    const max = /^tradecache_redis_maxmemory_bytes (\d+)$/m.exec(metrics)?.[1];
    expect(Number(max)).toBe(snapshot.info?.maxMemory);
    expect(metrics).toMatch(/^tradecache_redis_used_memory_bytes \d+/m);
    await redis.config('SET', 'maxmemory', '0');
  });

  it('exposes new slow-log entries with the command name and duration, never the arguments', async () => {
    const secret = `user-data-${randomBytes(8).toString('hex')}`;
    await redis.config('SET', 'slowlog-log-slower-than', '0');
    await redis.set('monitor-test-key', secret);
    await redis.config('SET', 'slowlog-log-slower-than', '10000');
    await app.ctx.operations.monitor.tick();
    const snapshot = app.ctx.operations.monitor.snapshot();
    const set = snapshot.recentSlow.find((entry) => entry.command === 'SET');
    expect(set).toMatchObject({ durationMicros: expect.any(Number), at: expect.any(Number) });
    expect(JSON.stringify(snapshot)).not.toContain(secret);
    const total = snapshot.slowTotal;
    // Entries already seen are not counted again.
    await app.ctx.operations.monitor.tick();
    expect(app.ctx.operations.monitor.snapshot().slowTotal).toBe(total + 0);
    const metrics = (await app.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).not.toContain(secret);
    expect(metrics).toMatch(/^tradecache_redis_slowlog_entries \d+/m);
    expect(metrics).toMatch(/^tradecache_build_info\{version="[^"]+",node="v\d+/m);
    expect(metrics).toMatch(/^tradecache_queue_jobs\{queue="jobs",state="waiting"\} \d+/m);
  });
});
