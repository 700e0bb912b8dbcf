import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPTH_STEP_MS, DepthModel } from '../../src/exchange/simulated/depth-book.ts';
import { buildUniverse, PriceModel } from '../../src/exchange/simulated/index.ts';
import { compareDecimals } from '../../src/market/decimal/index.ts';
import { writeRestPrices } from '../../src/market/feed/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

let redis: TestRedis;
let app: TestApp;

/** The feed of a `start` process on the simulated exchange, with short timings. */
const FEED_ENV = {
  EXCHANGE: 'simulated',
  FEED_WATCH_SYMBOLS: 'BTCUSDT,ETHUSDT',
  FEED_INTERVAL_MS: '300',
  FEED_LEASE_TTL_MS: '1500',
  FEED_STREAM_LIVENESS_MS: '2000',
};

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp({ REDIS_URL: redis.url, ...FEED_ENV }, { role: 'start' });
});
afterAll(async () => {
  await app?.close();
  await redis?.destroy();
});

async function get(url: string) {
  const res = await app.http.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

async function price(symbol = 'BTCUSDT') {
  const { status, body } = await get(`/api/v1/cache/price/${symbol}`);
  return status === 200 ? (body as { price: string; time: number }) : null;
}

describe('market feed: streams → Redis → HTTP', () => {
  it('serves a price from the stream that changes over time', async () => {
    const first = await waitFor(() => price(), 15_000);
    expect(first.price).toMatch(/^\d+\.\d+$/);
    const later = await waitFor(async () => {
      const p = await price();
      return p && p.time > first.time ? p : null;
    }, 15_000);
    expect(later.time).toBeGreaterThan(first.time);
    expect(app.ctx.feed?.feed('spot')?.isLeader).toBe(true);
  });

  it('keeps the order book of a watched symbol equal to the exchange book at its update id', async () => {
    const sim = app.ctx.simulatedExchange!;
    const stored = await waitFor(() => app.ctx.market.data.spot.getOrderBook('BTCUSDT'), 15_000);
    expect(stored.bids.length).toBeGreaterThanOrEqual(20);
    // Best bid/ask of the book agree with the exchange's own best bid/ask stream.
    const ticker = await waitFor(() => app.ctx.market.data.spot.getBookTicker('BTCUSDT'), 15_000);
    expect(compareDecimals(ticker.bidPrice, ticker.askPrice)).toBe(-1);
    // The exchange's REST depth at a later update id contains every level we stored that it did not change.
    const res = await fetch(`${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
    const depth = (await res.json()) as { lastUpdateId: number };
    expect(depth.lastUpdateId).toBeGreaterThanOrEqual(stored.lastUpdateId);
    for (let i = 1; i < stored.bids.length; i++) {
      expect(compareDecimals(stored.bids[i - 1]![0], stored.bids[i]![0])).toBe(1);
    }
  });

  it('stores exactly the exchange book at the stored lastUpdateId: top ORDER_BOOK_DEPTH levels, same strings', async () => {
    // The simulated book is a pure function of its 100 ms step (seed 42, as the app's): the
    // exchange's own snapshot at the stored update id is computed from its depth model.
    const universe = buildUniverse(42);
    const model = new DepthModel(new PriceModel(universe), universe);
    const def = universe.find('spot', 'BTCUSDT')!;
    const depth = app.ctx.market.options.orderBookDepth;
    for (let round = 0; round < 3; round++) {
      // A book written by the feed after the first test's one, so each round checks a new state.
      const stored = await waitFor(() => app.ctx.market.data.spot.getOrderBook('BTCUSDT'), 15_000);
      const now = model.step(Date.now());
      let step = -1;
      for (let s = now; s > now - 6000 && step < 0; s--) {
        if (model.updateId(def, s) === stored.lastUpdateId) step = s;
      }
      expect(step, `no step of the exchange book has update id ${stored.lastUpdateId}`).toBeGreaterThan(0);
      const exchange = model.snapshot(def, depth, step * DEPTH_STEP_MS);
      expect(exchange.lastUpdateId).toBe(stored.lastUpdateId);
      expect(stored.bids).toEqual(exchange.bids);
      expect(stored.asks).toEqual(exchange.asks);
      expect(stored.bids).toHaveLength(depth);
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  it('forms 1m candles with trades from the aggTrade stream', async () => {
    const candles = await waitFor(async () => {
      const { status, body } = await get('/api/v1/market/BTCUSDT/ohlcv?interval=1m');
      const list = (body.candles ?? []) as Array<{ trades: number; volume: string }>;
      return status === 200 && list.some((c) => c.trades > 0) ? list : null;
    }, 15_000);
    expect(candles.some((c) => compareDecimals(c.volume, '0') === 1)).toBe(true);
    const { body } = await get('/api/v1/cache/market-data/BTCUSDT');
    expect(body.trade).not.toBeNull();
    expect(body.bookTicker).not.toBeNull();
  });

  it('ignores an older REST price after a newer stream price: the price stays, the series gets only stream points', async () => {
    const stream = await waitFor(() => price(), 15_000);
    const batch = app.ctx.market.batch('spot');
    writeRestPrices(batch, [{ symbol: 'BTCUSDT', price: '1.00000000' }], stream.time - 1000);
    await batch.flush();
    const after = await price();
    expect(after!.time).toBeGreaterThanOrEqual(stream.time);
    expect(after!.price).not.toBe('1.00000000');
    // The stream price's own series point arrives with a later bulk flush, whatever the load.
    const series = await waitFor(async () => {
      const points = await app.ctx.market.prices.spot.getPriceHistory('BTCUSDT', {
        from: stream.time - 60_000,
        limit: 100_000,
      });
      return points.some((p) => p.time === stream.time && p.price === stream.price) ? points : null;
    }, 15_000);
    expect(series.filter((p) => p.price === '1.00000000')).toEqual([]);
    for (let i = 1; i < series.length; i++) expect(series[i]!.time).toBeGreaterThan(series[i - 1]!.time);
  });

  it('reconnects after a stream cut while REST fills in, and no price goes backwards', async () => {
    const sim = app.ctx.simulatedExchange!;
    const feed = app.ctx.feed!.feed('spot')!;
    await waitFor(() => feed.streamUp, 15_000);
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const p = await price();
        if (p) seen.push(p.time);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    sim.faults.set({ mode: 'streamSilent', market: 'spot' });
    await waitFor(() => !feed.streamUp, 15_000);
    const before = (await price())!.time;
    // REST carries prices while the stream is down.
    await waitFor(async () => ((await price())?.time ?? 0) > before, 15_000);
    sim.faults.set({ mode: 'none' });
    sim.faults.set({ mode: 'streamClose' });
    await waitFor(() => feed.streamUp, 20_000);
    const reconnected = (await price())!.time;
    await waitFor(async () => ((await price())?.time ?? 0) > reconnected, 15_000);
    watching = false;
    await watcher;
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    const metrics = await app.ctx.metrics.registry.getSingleMetricAsString(
      'tradecache_feed_stream_reconnects_total',
    );
    expect(metrics).toMatch(/market="spot"\} [1-9]/);
  });
});
