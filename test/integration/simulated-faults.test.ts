import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import { type SimulatedExchange, startSimulatedExchange } from '../../src/exchange/simulated/index.ts';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 20);
let ex: SimulatedExchange;
const price = (market: 'spot' | 'futures' = 'spot') =>
  fetch(`${ex.url}${market === 'spot' ? '/api/v3' : '/fapi/v1'}/ticker/price?symbol=BTCUSDT`);

beforeAll(async () => {
  ex = await startSimulatedExchange({ now: () => NOW });
});
afterEach(() => {
  ex.faults.clear();
  ex.resetCounts();
});
afterAll(async () => {
  await ex.close();
});

describe('simulated exchange faults', () => {
  it("'down' drops the connection so fetch rejects, and times=1 heals after one request", async () => {
    ex.faults.set({ mode: 'down', times: 1 });
    await expect(price()).rejects.toThrow();
    expect((await price()).status).toBe(200);
    expect(ex.requestCount('/api/v3/ticker/price')).toBe(2);
  });

  it("'error500' answers 500 with the -1000 body", async () => {
    ex.faults.set({ mode: 'error500' });
    const res = await price();
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: -1000 });
    expect((await price()).status).toBe(500);
  });

  it("'rateLimit' answers 429 with Retry-After and the weight header; 'banned' answers 418", async () => {
    ex.faults.set({ mode: 'rateLimit', retryAfterSec: 7 });
    const limited = await price();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('x-mbx-used-weight-1m')).not.toBeNull();
    expect(await limited.json()).toMatchObject({ code: -1003 });

    ex.faults.set({ mode: 'rateLimit' });
    expect((await price()).headers.get('retry-after')).toBe('40');

    ex.faults.set({ mode: 'banned', retryAfterSec: 120, times: 1 });
    const banned = await price();
    expect(banned.status).toBe(418);
    expect(banned.headers.get('retry-after')).toBe('120');
    expect(((await banned.json()) as { msg: string }).msg).toContain(`banned until ${NOW + 120_000}`);
  });

  it("'slow' still answers correctly, but after a client with a short timeout gave up", async () => {
    ex.faults.set({ mode: 'slow', delayMs: 400, times: 1 });
    await expect(
      fetch(`${ex.url}/api/v3/ticker/price?symbol=BTCUSDT`, { signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
    ex.faults.set({ mode: 'slow', delayMs: 100 });
    const res = await price();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ symbol: 'BTCUSDT' });
  });

  it("'garbage' answers 200 with a body of the wrong shape or cut short", async () => {
    ex.faults.set({ mode: 'garbage' });
    const info = await fetch(`${ex.url}/api/v3/exchangeInfo`);
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({ symbols: 'oops' });
    const klines = await fetch(`${ex.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5`);
    expect(klines.status).toBe(200);
    const text = await klines.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('scopes a fault to a market and a path', async () => {
    ex.faults.set({ mode: 'error500', market: 'futures', path: 'ticker/price' });
    expect((await price('futures')).status).toBe(500);
    expect((await price('spot')).status).toBe(200);
    expect((await fetch(`${ex.url}/fapi/v1/time`)).status).toBe(200);
    expect(ex.faults.list()).toHaveLength(1);
    ex.faults.set({ mode: 'none', market: 'futures', path: 'ticker/price' });
    expect((await price('futures')).status).toBe(200);
    ex.faults.set({ mode: 'error500', market: 'spot' });
    ex.faults.set({ mode: 'none' });
    expect(ex.faults.list()).toEqual([]);
  });

  it('rejects a malformed fault with VALIDATION_FAILED', () => {
    let caught: unknown;
    try {
      ex.faults.set({ mode: 'explode' as never });
    } catch (err) {
      caught = err;
    }
    expect(isTradecacheError(caught, 'VALIDATION_FAILED')).toBe(true);
  });

  it('can be driven over HTTP: POST and DELETE /__sim/faults, GET /__sim/stats', async () => {
    const post = await fetch(`${ex.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'error500', market: 'spot', times: 2 }),
    });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { faults: unknown[] }).faults).toHaveLength(1);
    expect((await price()).status).toBe(500);

    await fetch(`${ex.url}/__sim/faults`, { method: 'DELETE' });
    expect((await price()).status).toBe(200);
    await fetch(`${ex.url}/api/v3/time`);

    const stats = (await (await fetch(`${ex.url}/__sim/stats`)).json()) as {
      total: number;
      paths: Record<string, number>;
    };
    expect(stats.total).toBe(3);
    expect(stats.paths).toEqual({ '/api/v3/ticker/price': 2, '/api/v3/time': 1 });

    const bad = await fetch(`${ex.url}/__sim/faults`, { method: 'POST', body: '{"mode":"meltdown"}' });
    expect(bad.status).toBe(400);
  });

  it('counts requests per path and resets the counts', async () => {
    await fetch(`${ex.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1`);
    await fetch(`${ex.url}/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1`);
    await fetch(`${ex.url}/api/v3/klines?symbol=NOPE&interval=1m`);
    expect(ex.requestCount('/api/v3/klines')).toBe(2);
    expect(ex.requestCount('klines')).toBe(3);
    expect(ex.requestCount()).toBe(3);
    ex.resetCounts();
    expect(ex.requestCount()).toBe(0);
  });

  it('closes even while a keep-alive connection is open', async () => {
    const other = await startSimulatedExchange();
    expect((await fetch(`${other.url}/api/v3/ping`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.url}/api/v3/ping`)).rejects.toThrow();
  });
});
