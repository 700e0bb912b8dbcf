import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedExchange } from '../../src/exchange/simulated/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The work one kline request may cause, as mounted in the real app: real Redis, real Fastify
 * over a socket, the simulated exchange started in-process (EXCHANGE=simulated).
 */
let redis: TestRedis;
let dataDir: string;
let app: TestApp;
let base: string;
let sim: SimulatedExchange;

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-history-bounds-'));
  app = await startTestApp({
    REDIS_URL: redis.url,
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    HISTORY_ANON_PER_MIN: '100',
  });
  base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  sim = app.ctx.simulatedExchange!;
});
afterAll(async () => {
  // The aborted request leaves fetch's keep-alive pool with a socket the server will not count
  // as idle; the client is this test's own.
  app?.http.server.closeAllConnections();
  await app?.close();
  await redis?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

/** A full collection, for measuring what the server keeps alive (not how fast it goes). */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const MIN = 60_000;
const START = Date.UTC(2024, 0, 1);
/** Exactly the default cap: 100,000 one-minute candles. */
const CAP_END = START + 100_000 * MIN;

function dataUrl(interval: string, start: string | number, end: string | number): string {
  return `${base}/api/v1/backtest/data?symbol=BTCUSDT&interval=${interval}&start=${start}&end=${end}`;
}

describe('the candle cap', () => {
  it('refuses a range past the cap with 400 before asking the exchange, memory untouched', async () => {
    const calls = sim.requestCount('klines');
    const rssBefore = process.memoryUsage().rss;
    const cases = [
      dataUrl('1m', '2019-01-01', '2024-01-01'), // the request: ~2.6M candles
      dataUrl('1s', '2019-01-01', '2024-01-01'), // ~158M candles, within the 1,830-day limit
      dataUrl('1m', START, CAP_END + MIN), // one past the cap
    ];
    for (const url of cases) {
      const res = await fetch(url);
      expect(res.status, url).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.message).toContain('100000');
    }
    const run = await fetch(`${base}/api/v1/backtest/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        symbol: 'BNBUSDT',
        interval: '1m',
        start: '2019-01-01',
        end: '2024-01-01',
        strategy: { fast: 5, slow: 20 },
      }),
    });
    expect(run.status).toBe(400);
    expect(((await run.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    expect(sim.requestCount('klines')).toBe(calls);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('large answers', () => {
  it('streams 100k candles in chunks, never holding the body in memory, and never caches it', async () => {
    const gc = exposeGc();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = 0;
    const sample = () => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
    };
    // Also while the range is fetched into the store, before the first byte is sent.
    const sampler = setInterval(sample, 250);
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    try {
      const res = await fetch(dataUrl('1m', START, CAP_END));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBeNull();
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect(res.headers.get('x-cache')).toBe('BYPASS');
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // Uint8Arrays live outside the JS heap: keeping them does not blur the measurement.
        chunks.push(value);
        bytes += value.length;
        if (chunks.length % 25 === 0) sample();
      }
    } finally {
      clearInterval(sampler);
    }
    sample();
    expect(chunks.length).toBeGreaterThan(50);
    // The whole body as one string plus its candles would be well over `bytes`.
    expect(peak).toBeLessThan(bytes / 2);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      symbol: string;
      count: number;
      klines: { openTime: number; close: string }[];
    };
    expect(body.symbol).toBe('BTCUSDT');
    expect(body.count).toBe(100_000);
    expect(body.klines).toHaveLength(100_000);
    expect(body.klines[0]!.openTime).toBe(START);
    expect(body.klines[99_999]!.openTime).toBe(CAP_END - MIN);
    expect(typeof body.klines[0]!.close).toBe('string');
    for (let i = 1; i < body.klines.length; i++) {
      if (body.klines[i]!.openTime !== body.klines[i - 1]!.openTime + MIN) {
        throw new Error(`candle ${i} out of order`);
      }
    }
  });

  it('streams the stored range as CSV without asking the exchange again', async () => {
    const calls = sim.requestCount('klines');
    const res = await fetch(dataUrl('1m', START, CAP_END), { headers: { accept: 'text/csv' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-length')).toBeNull();
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(100_001);
    expect(lines[0]!.startsWith('open_time,open,high,low,close,')).toBe(true);
    expect(lines[1]!.startsWith(`${START},`)).toBe(true);
    expect(sim.requestCount('klines')).toBe(calls);
  });

  it('still caches and answers small ranges in one piece', async () => {
    const url = dataUrl('1h', '2024-01-01', '2024-01-03');
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(((await first.json()) as { count: number }).count).toBe(48);
    const second = await fetch(url);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('content-length')).not.toBeNull();
  });
});

describe('a shared request whose first client leaves', () => {
  it('still answers the client that stayed, from the same cached route', async () => {
    sim.faults.set({ mode: 'slow', path: 'klines', delayMs: 100 });
    try {
      // 5,000 candles: small enough for the response cache, whose one handler run both share.
      const url = dataUrl('1m', Date.UTC(2023, 6, 1), Date.UTC(2023, 6, 1) + 5000 * MIN);
      const before = sim.requestCount('klines');
      const leaving = new AbortController();
      const gone = fetch(url, { signal: leaving.signal }).catch(() => null);
      await waitFor(() => sim.requestCount('klines') > before);
      const staying = fetch(url);
      await waitFor(() => sim.requestCount('klines') > before + 1);
      leaving.abort();
      await gone;
      const res = await staying;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { count: number }).count).toBe(5000);
    } finally {
      sim.faults.clear();
    }
  });
});

describe('the OpenAPI description', () => {
  it('states the bounds of the kline routes', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { description?: string }>>;
    };
    expect(doc.paths['/api/v1/backtest/data']?.get?.description).toContain('100000 candles');
    expect(doc.paths['/api/v1/backtest/run']?.post?.description).toContain('100000 candles');
  });

  it('states a work bound for every route, as the README table does', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { description?: string }>>;
    };
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const documented: string[] = [];
    for (const [route, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${route.replace(/\{(\w+)\}/g, ':$1')}`;
        documented.push(name);
        expect(op.description, name).toMatch(/Work bound: \S/);
        expect(readme, name).toContain(`| \`${name}\` |`);
      }
    }
    expect(documented).toContain('GET /health');
    expect(documented.length).toBeGreaterThan(10);
  });
});
