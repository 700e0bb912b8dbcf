import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggTrade as StreamAggTrade } from '../../src/exchange/binance/streams/index.ts';
import { addDecimals, compareDecimals } from '../../src/market/decimal/index.ts';
import { readStoredFeedState } from '../../src/market/feed/candle-resume.ts';
import { feedMetrics, WriteQueue } from '../../src/market/feed/index.ts';
import { type FeedTrade, WatchedSymbol } from '../../src/market/feed/watched-symbol.ts';
import type { AggTrade } from '../../src/trading/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

/**
 * A new leader continues the stored candles (so a takeover never overwrites a fuller candle
 * with a thinner one), and after a stream outage the trades it missed are fetched with
 * `fromId` before the stream's own are applied, so candles miss nothing. Real Redis, the real
 * exchange client against the simulated exchange.
 */
let redis: TestRedis;
let app: TestApp;
beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp({ REDIS_URL: redis.url, EXCHANGE: 'simulated' }, { role: 'api' });
});
afterAll(async () => {
  await app?.close();
  await redis?.destroy();
});

function watched(symbol: string) {
  const metrics = feedMetrics(app.ctx.metrics.registry);
  const queue = new WriteQueue({ live: app.ctx.market, market: 'spot', metrics, logger: app.ctx.logger });
  const w = new WatchedSymbol(symbol, {
    market: 'spot',
    exchange: app.ctx.exchange,
    queue,
    metrics,
    logger: app.ctx.logger,
    orderBookDepth: 20,
    onCandleClosed: () => {},
  });
  return { w, queue };
}

const feedTrade = (t: AggTrade): FeedTrade => ({
  id: t.id,
  price: t.price,
  quantity: t.qty,
  firstTradeId: t.firstTradeId,
  lastTradeId: t.lastTradeId,
  time: t.time,
  buyerIsMaker: t.isBuyerMaker,
});

const streamTrade = (symbol: string, t: AggTrade): StreamAggTrade => ({
  E: t.time,
  s: symbol,
  a: t.id,
  p: t.price,
  q: t.qty,
  f: t.firstTradeId,
  l: t.lastTradeId,
  T: t.time,
  m: t.isBuyerMaker,
});

/** The sum the exchange would print: Σ quantity, Σ (l − f + 1). */
function totals(rows: readonly AggTrade[]) {
  return {
    volume: rows.reduce((sum, r) => addDecimals(sum, r.qty), '0'),
    trades: rows.reduce((n, r) => n + r.lastTradeId - r.firstTradeId + 1, 0),
  };
}

async function dayCandle(symbol: string) {
  const [c] = await app.ctx.market.prices.spot.getOhlcvData(symbol, '1d', { limit: 1 });
  return c;
}

/** The stored candle holds exactly these trades (volume compared as a decimal, not as text). */
function expectHolds(c: Awaited<ReturnType<typeof dayCandle>>, rows: readonly AggTrade[]) {
  const { volume, trades } = totals(rows);
  expect(c).toMatchObject({ open: rows[0]!.price, close: rows[rows.length - 1]!.price, trades });
  expect(compareDecimals(c!.volume, volume)).toBe(0);
}

describe('market feed: resume and catch-up', () => {
  it('a new leader resumes the stored open candles, so its first trade does not replace a fuller candle', async () => {
    const symbol = 'ETHUSDT';
    const rows = await app.ctx.exchange.getAggTrades('spot', { symbol, limit: 30 });
    expect(rows.length).toBe(30);
    const old = watched(symbol);
    old.w.onTrades(rows.slice(0, 29).map(feedTrade));
    await old.queue.flush();
    old.w.close();

    const next = watched(symbol);
    const state = await readStoredFeedState(
      { redis: app.ctx.redis, keys: app.ctx.keys.market, data: app.ctx.market.data.spot, market: 'spot' },
      symbol,
      Date.now(),
    );
    expect(state.lastAggTradeId).toBe(rows[28]!.id);
    next.w.resume(state);
    next.w.onTrades([feedTrade(rows[29]!)]);
    await next.queue.flush();
    next.w.close();
    const stored = await dayCandle(symbol);
    expectHolds(stored, rows);
  });

  it('after a stream outage fetches the missed trades from the last id seen before applying the stream', async () => {
    const symbol = 'BTCUSDT';
    const rows = await app.ctx.exchange.getAggTrades('spot', { symbol, limit: 60 });
    expect(rows.length).toBe(60);
    const { w, queue } = watched(symbol);
    // Before the outage: the first trade came from the stream.
    await w.catchUp();
    w.onAggTrade(streamTrade(symbol, rows[0]!));
    w.streamDown();
    // Back up: the stream's first trades are 50 ids later; the 49 between only REST knows.
    for (const t of rows.slice(50)) w.onAggTrade(streamTrade(symbol, t));
    await w.catchUp();
    await queue.flush();
    w.close();
    const tape = await app.ctx.market.data.spot.getRecentTrades(symbol, 100);
    expect(tape.map((t) => t.id)).toEqual(rows.map((r) => r.id).reverse());
    expectHolds(await dayCandle(symbol), rows);
  });
});
