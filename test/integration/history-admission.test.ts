import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedExchange } from '../../src/exchange/simulated/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Who may start expensive history work and how much of it runs at once, in the real app (real
 * Redis, real Fastify over a socket, the in-process simulated exchange): one slot, no queue, an
 * anonymous budget of two per minute.
 */
let redis: TestRedis;
let dataDir: string;
let app: TestApp;
let base: string;
let sim: SimulatedExchange;
let token: string;

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-history-admission-'));
  app = await startTestApp({
    REDIS_URL: redis.url,
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    HISTORY_MAX_CONCURRENT: '1',
    HISTORY_MAX_QUEUED: '0',
    HISTORY_ANON_PER_MIN: '2',
  });
  base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  sim = app.ctx.simulatedExchange!;
  const apiKey = await app.ctx.sessions.users.addUser('quant1');
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'quant1', apiKey }),
  });
  token = ((await login.json()) as { token: string }).token;
});
afterEach(() => sim.faults.clear());
afterAll(async () => {
  // fetch's keep-alive pool may still hold a socket the server does not count as idle after the
  // aborted requests; the client is this test's own, so its sockets go before the server closes.
  app?.http.server.closeAllConnections();
  await app?.close();
  await redis?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const MIN = 60_000;

/** The status of a backtest answer, its body read (unread bodies keep responses open). */
async function statusOf(res: Response): Promise<number> {
  await res.arrayBuffer();
  return res.status;
}
const auth = () => ({ authorization: `Bearer ${token}` });

/** 10,000 one-minute candles (ten exchange pages) from `day` of January 2024. */
function dataUrl(day: number): string {
  const start = Date.UTC(2024, 0, day);
  return `${base}/api/v1/backtest/data?symbol=ETHUSDT&interval=1m&start=${start}&end=${start + 10_000 * MIN}`;
}

function run(day: number, headers: Record<string, string> = {}) {
  return fetch(`${base}/api/v1/backtest/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      symbol: 'SOLUSDT',
      interval: '1h',
      start: Date.UTC(2023, 0, day),
      end: Date.UTC(2023, 0, day + 2),
      strategy: { fast: 3, slow: 8 },
    }),
  });
}

describe('anonymous budget', () => {
  it('answers 429 past the per-address budget while an authenticated user passes', async () => {
    expect(await statusOf(await run(1))).toBe(200);
    expect(await statusOf(await run(5))).toBe(200);
    const refused = await run(9);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect(await statusOf(await run(9, auth()))).toBe(200);
  });

  it('does not charge anonymous reads of ranges already stored', async () => {
    const url = `${base}/api/v1/backtest/data?symbol=SOLUSDT&interval=1h&start=${Date.UTC(2023, 0, 1)}&end=${Date.UTC(2023, 0, 3)}`;
    const calls = sim.requestCount('klines');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { count: number }).count).toBe(48);
    expect(sim.requestCount('klines')).toBe(calls);
    // A range not stored yet still needs the budget.
    const fresh = await fetch(
      url.replace('2023', '2022').replace(/start=\d+/, `start=${Date.UTC(2022, 5, 1)}`),
    );
    expect(await statusOf(fresh)).toBe(429);
  });
});

describe('client disconnect', () => {
  it('stops a fetch only the departed client was waiting for', async () => {
    sim.faults.set({ mode: 'slow', path: 'klines', delayMs: 150 });
    const before = sim.requestCount('klines');
    const controller = new AbortController();
    const pending = fetch(dataUrl(1), { headers: auth(), signal: controller.signal }).catch(() => null);
    await waitFor(() => sim.requestCount('klines') >= before + 2);
    controller.abort();
    await pending;
    // The page in flight when the client left may still be answered; none after it.
    await waitFor(async () => {
      const seen = sim.requestCount('klines');
      await sleep(400);
      return sim.requestCount('klines') === seen;
    });
    const settled = sim.requestCount('klines');
    await sleep(1000); // six more pages' worth, had the fetch gone on
    expect(sim.requestCount('klines')).toBe(settled);
    expect(settled - before).toBeLessThan(10);
  });
});

describe('concurrency bound', () => {
  it('answers 503 with Retry-After past the slots while /health still answers', async () => {
    sim.faults.set({ mode: 'slow', path: 'klines', delayMs: 150 });
    const before = sim.requestCount('klines');
    const controller = new AbortController();
    const first = fetch(dataUrl(10), { headers: auth(), signal: controller.signal }).catch(() => null);
    try {
      await waitFor(() => sim.requestCount('klines') > before);
      const busy = await fetch(dataUrl(20), { headers: auth() });
      expect(busy.status).toBe(503);
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('SERVER_BUSY');
      const busyRun = await run(20, auth());
      expect(await statusOf(busyRun)).toBe(503);
      expect(await statusOf(await fetch(`${base}/health`))).toBe(200);
    } finally {
      controller.abort();
      await first;
    }
    // The slot comes back once the abandoned fetch has stopped.
    sim.faults.clear();
    await waitFor(async () => {
      const res = await fetch(dataUrl(20), { headers: auth() });
      // Read to the end: an unread body leaves its response unfinished and the server open.
      await res.arrayBuffer();
      return res.status === 200;
    });
  });
});
