import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../../src/http/routes/dashboard/snapshot.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis, testRedisKind } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

let redis: TestRedis;
let exchange: ReplayServer;
let dataDir: string;
const apps: TestApp[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  exchange = await startReplayServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-dashboard-'));
});
afterAll(async () => {
  for (const app of apps.splice(0)) await app.close();
  await exchange?.close();
  await redis?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

/** A full app listening on a real loopback port; requests below go over real HTTP. */
async function listening(redisUrl: string, role: 'api' | 'start' = 'api') {
  const app = await startTestApp(
    {
      REDIS_URL: redisUrl,
      BINANCE_SPOT_URL: exchange.url,
      BINANCE_FUTURES_URL: exchange.url,
      TRADECACHE_DATA_DIR: dataDir,
      ADMIN_TOKEN,
    },
    { role },
  );
  apps.push(app);
  const base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${base}${url}`, { headers });
  return { app, base, get };
}

async function dashboard(get: (url: string, headers?: Record<string, string>) => Promise<Response>) {
  const response = await get('/api/v1/dashboard', admin);
  expect(response.status).toBe(200);
  return {
    response,
    text: await response.clone().text(),
    body: (await response.json()) as DashboardSnapshot,
  };
}

type ErrorBody = { error: { code: string } };
const market = (body: DashboardSnapshot, name: string) => {
  const row = body.symbols.markets.find((m) => m.market === name);
  if (!row) throw new Error(`no ${name} row`);
  return row;
};

describe('GET /api/v1/dashboard', () => {
  it('refuses anyone but an admin: 401 without credentials, 403 for a user token', async () => {
    const { app, get } = await listening(redis.url);
    const anonymous = await get('/api/v1/dashboard');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await anonymous.json()) as ErrorBody).error.code).toBe('AUTH_REQUIRED');

    const apiKey = await app.ctx.sessions.users.addUser('carol');
    const { token } = await app.http
      .inject({ method: 'POST', url: '/api/v1/auth/login', payload: { userId: 'carol', apiKey } })
      .then((r) => r.json());
    const user = await get('/api/v1/dashboard', { authorization: `Bearer ${token}` });
    expect(user.status).toBe(403);
    expect(((await user.json()) as ErrorBody).error.code).toBe('FORBIDDEN');
  });

  it('shows the process, Redis, and symbol counters that move with a symbols request', async () => {
    const { get } = await listening(redis.url);
    const before = await dashboard(get);
    expect(before.response.headers.get('cache-control')).toBe('no-store');
    expect(before.body.service).toMatchObject({ name: 'tradecache', version: VERSION, role: 'api' });
    expect(before.body.service.uptimeSec).toBeGreaterThanOrEqual(0);
    expect(before.body.redis).toMatchObject({
      mode: redis.kind === 'cluster' ? 'cluster' : 'standalone',
      masterName: null,
      master: null,
      tls: false,
      status: 'ready',
      reachable: true,
    });
    expect(before.body.redis.latencyMs).toBeGreaterThan(0);
    // One redis-server: no cluster section (the page keeps it hidden); a cluster lists its nodes.
    if (testRedisKind === 'cluster') expect(before.body.cluster?.nodes.length).toBeGreaterThanOrEqual(3);
    else expect(before.body.cluster).toBeNull();
    expect(before.body.cache.breaker).toBe('closed');
    expect(before.body.jobs).toMatchObject({ enabled: true, error: null, schedulers: [] });
    expect(before.body.symbols.error).toBeNull();
    expect(before.body.symbols.markets.map((m: { market: string }) => m.market)).toEqual(['spot', 'futures']);
    // This process has served no list yet: it does not pretend to know its size.
    expect(market(before.body, 'spot').count).toBeNull();
    const hitsBefore = market(before.body, 'spot').hits as number;
    const missesBefore = market(before.body, 'spot').misses as number;

    const miss = await get('/api/v1/symbols/spot');
    expect(miss.headers.get('x-cache')).toBe('MISS');
    const hit = await get('/api/v1/symbols/spot');
    expect(hit.headers.get('x-cache')).toBe('HIT');
    const served = (await hit.json()) as { count: number; refreshedAt: string };

    const after = await dashboard(get);
    const spot = market(after.body, 'spot');
    expect(spot.count).toBe(served.count);
    expect(spot.hits).toBe(hitsBefore + 1);
    expect(spot.misses).toBe(missesBefore + 1);
    expect(spot.refreshedAt).toBe(served.refreshedAt);
    expect(spot.ageMs).toBeGreaterThanOrEqual(0);
    const ns = after.body.cache.namespaces.find((n: { name: string }) => n.name === 'symbols_spot');
    expect(ns).toMatchObject({ hitsL1: 1, misses: 1, factoryCalls: 1, factoryErrors: 0, hitRatio: 0.5 });
    // Polling the dashboard is not a cache read: it counted nothing itself.
    const again = await dashboard(get);
    expect(market(again.body, 'spot').hits).toBe(spot.hits);
    expect(again.body.cache.namespaces.find((n: { name: string }) => n.name === 'symbols_spot')).toEqual(ns);
  });

  it('lists the warmup schedulers with their next run, and the warmups of a `start` process', async () => {
    const { get } = await listening(redis.url, 'start');
    const body = await waitFor(
      async () => {
        const { body } = await dashboard(get);
        return market(body, 'spot').lastWarmupAt && market(body, 'futures').lastWarmupAt ? body : null;
      },
      20_000,
      100,
    );
    expect(body.jobs.schedulers.map((s: { id: string }) => s.id)).toEqual([
      'maintenance',
      'warmup-symbols-futures',
      'warmup-symbols-spot',
    ]);
    for (const scheduler of body.jobs.schedulers) {
      expect(scheduler.declared).toBe(true);
      // The maintenance job runs on a cron pattern (MAINTENANCE_CRON), not an interval.
      if (scheduler.id === 'maintenance') expect(scheduler.everyMs).toBeNull();
      else expect(scheduler.everyMs).toBeGreaterThan(0);
      expect(Date.parse(scheduler.nextRunAt ?? '')).toBeGreaterThan(0);
    }
    const spot = market(body, 'spot');
    expect(spot.warmupSuccess).toBeGreaterThanOrEqual(1);
    // The warmup ran in this process: it knows the list's size without any symbols request.
    expect(spot.count).toBeGreaterThan(0);
  });

  it('never shows a secret: not the admin token, the Redis password or URL', async () => {
    const { get } = await listening(redis.url);
    await get('/api/v1/symbols/futures');
    const { text } = await dashboard(get);
    const page = await (await get('/dashboard')).text();
    for (const secret of [ADMIN_TOKEN, redis.password, redis.url, encodeURIComponent(redis.password)]) {
      expect(text).not.toContain(secret);
      expect(page).not.toContain(secret);
    }
    expect(text).not.toMatch(/redis:\/\//);
  });

  it('is described in the OpenAPI document with its response schema', async () => {
    const { get } = await listening(redis.url);
    // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked by path
    const doc = (await (await get('/openapi.json')).json()) as any;
    const schema = doc.paths['/api/v1/dashboard'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['generatedAt', 'service', 'redis', 'cache', 'symbols', 'jobs']),
    );
    expect(doc.paths['/dashboard'].get).toBeDefined();
  });
});

describe('GET /dashboard', () => {
  it('is a public page whose CSP allows exactly its own inline script and style', async () => {
    const { get } = await listening(redis.url);
    const response = await get('/dashboard');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await response.text();
    // Every inline script and style is allowed by its own hash; `'self'` serves only the chart library.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
    const script = scripts.join('\n');
    expect(script).toContain('/api/v1/dashboard');
    for (const inline of scripts) {
      expect(csp).toContain(`'sha256-${createHash('sha256').update(inline).digest('base64')}'`);
    }
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    // Data is written as text, never parsed as HTML; no inline handlers (the CSP would block them).
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});

describe('while Redis is down', () => {
  it('still answers, saying Redis is unreachable, without its password', async () => {
    const own = await startTestRedis();
    let restarted: EmbeddedRedis | null = null;
    try {
      const { app, get } = await listening(own.url);
      await dashboard(get);
      await own.stop();
      // Every Redis-backed section is bounded (2 s): BullMQ alone would wait for a reconnect forever.
      const { body, text } = await dashboard(get);
      expect(body.redis.reachable).toBe(false);
      expect(body.redis.latencyMs).toBeNull();
      expect(body.redis.lastError).toEqual(expect.any(String));
      expect(body.jobs.error).toEqual(expect.any(String));
      // What this process knows without Redis is still there.
      expect(body.cache.namespaces.length).toBeGreaterThan(0);
      expect(text).not.toContain(own.password);

      // Back on the same port (same password): the app reconnects, and closes cleanly. A test
      // cluster is not restarted on its ports (its reconnects are redis-cluster-failover's).
      if (own.kind === 'server') {
        restarted = await startEmbeddedRedis({ dataDir: own.dataDir, port: own.port });
        await waitFor(() => app.ctx.health.isReady);
        expect((await dashboard(get)).body.redis.reachable).toBe(true);
      }
    } finally {
      for (const app of apps.splice(0)) await app.close();
      await restarted?.stop();
      await own.destroy();
    }
  });
});
