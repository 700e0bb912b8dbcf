import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedMetrics, WriteQueue, writeRestPrices } from '../../src/market/feed/index.ts';
import { WatchedSymbol } from '../../src/market/feed/watched-symbol.ts';
import { LiveMarket } from '../../src/market/live-market.ts';
import type { MarketUpdate } from '../../src/market/realtime/updates.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { createKeys } from '../../src/redis/keys/index.ts';
import type { ExchangeClient } from '../../src/trading/index.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

let server: TestRedis;
let client: RedisClient;
beforeAll(async () => {
  server = await startTestRedis();
  client = server.client({ lazyConnect: false });
});
afterAll(async () => {
  client?.disconnect();
  await server?.destroy();
});

const T0 = 1_634_943_780_000; // a minute boundary
const logger = pino({ level: 'silent' });

function setup(
  options: { maxWrites?: number; maxInFlight?: number; flushMs?: number; maxQueued?: number } = {},
  shared?: LiveMarket,
) {
  const live =
    shared ??
    new LiveMarket({
      redis: client,
      keys: createKeys(`t${randomBytes(4).toString('hex')}`).market,
    });
  const metrics = feedMetrics(new Registry());
  const queue = new WriteQueue({ live, market: 'spot', metrics, logger, ...options });
  return { live, metrics, queue };
}

describe('feed write queue', () => {
  it('runs a deferred write once per flush, with the writer state at the flush', async () => {
    const { live, queue } = setup();
    const writer = {};
    let calls = 0;
    let latest = '';
    for (let i = 1; i <= 50; i++) {
      latest = `100.${String(i).padStart(2, '0')}`;
      queue.defer(writer, (b) => {
        calls++;
        b.stats24h('BTCUSDT', { lastPrice: latest }, { seq: T0 + i, time: T0 + i });
      });
    }
    await queue.flush();
    expect(calls).toBe(1);
    expect((await live.data.spot.getStats24h('BTCUSDT'))?.lastPrice).toBe('100.50');
  });

  it('keeps every price of many flushes under way at once, in order, the newest stored', async () => {
    const { live, queue } = setup({ maxWrites: 10, maxInFlight: 3 });
    for (let i = 0; i < 500; i++)
      queue.add((b) => b.price('ETHUSDT', `2000.${String(i).padStart(3, '0')}`, T0 + i));
    await queue.flush();
    expect(queue.inFlight).toBe(0);
    expect(await live.data.spot.getPrice('ETHUSDT')).toMatchObject({ price: '2000.499', time: T0 + 499 });
    const ticks = await live.prices.spot.getPriceHistory('ETHUSDT', { from: T0, limit: 1000 });
    expect(ticks).toHaveLength(500);
  });

  it('stores the open candles of a watched symbol with every trade counted, written once per flush', async () => {
    const { live, metrics, queue } = setup();
    const w = watchedSymbol('BTCUSDT', queue, metrics);
    const trades = ['60000.10', '60100.20', '59900.30', '60050.40'].map((price, i) => ({
      id: 10 + i,
      price,
      quantity: '0.50000000',
      firstTradeId: 100 + 2 * i,
      lastTradeId: 101 + 2 * i,
      time: T0 + 1000 * i,
      buyerIsMaker: i % 2 === 0,
    }));
    for (const t of trades) w.onTrades([t]);
    await queue.flush();
    w.close();
    for (const interval of ['1m', '1h', '1d'] as const) {
      const [c] = await live.prices.spot.getOhlcvData('BTCUSDT', interval, { limit: 1 });
      expect(c).toMatchObject({
        open: '60000.10',
        high: '60100.20',
        low: '59900.30',
        close: '60050.40',
        // As wide as the quantities, as the exchange prints it.
        volume: '2.00000000',
        trades: 8,
      });
    }
  });

  it('announces an open candle with exactly the members the ohlcv route answers', async () => {
    const { live, metrics } = setup();
    const updates: MarketUpdate[] = [];
    const queue = new WriteQueue({
      live,
      market: 'spot',
      metrics,
      logger,
      onFlushed: async (_market, digest) => {
        updates.push(...digest.updates);
      },
    });
    const w = watchedSymbol('ETHUSDT', queue, metrics);
    w.onTrades([
      {
        id: 1,
        price: '3000.10',
        quantity: '2.0',
        firstTradeId: 5,
        lastTradeId: 6,
        time: T0,
        buyerIsMaker: false,
      },
    ]);
    await queue.flush();
    w.close();
    const announced = updates.find((u) => u.kind === 'candle' && u.interval === '1h');
    const [stored] = await live.prices.spot.getOhlcvData('ETHUSDT', '1h', { limit: 1 });
    // The read marks it closed: its hour (in 2021) has long passed; the feed announced it open.
    expect(announced?.data).toEqual({ ...stored, closed: false });
  });

  it('makes a price readable on the price lane while its series point waits for the bulk flush', async () => {
    // A bulk window far longer than the test: only the price lane can write before flush().
    const { live, queue } = setup({ flushMs: 600_000 });
    queue.price('SOLUSDT', '150.25', T0);
    expect(await waitFor(() => live.data.spot.getPrice('SOLUSDT'))).toEqual({ price: '150.25', time: T0 });
    expect(await live.prices.spot.getPriceHistory('SOLUSDT', { from: T0 })).toEqual([]);
    await queue.flush();
    // The price lane wrote the price first; the tick still joins the series.
    expect(await live.prices.spot.getPriceHistory('SOLUSDT', { from: T0 })).toEqual([
      { time: T0, price: '150.25' },
    ]);
  });

  it('keeps every stream point in the series when an older REST price lands between the price lane and the bulk flush', async () => {
    const { live, queue } = setup({ flushMs: 600_000 });
    const stream = ['2.10', '2.20', '2.30'].map((price, i) => ({ price, time: T0 + 1000 * i }));
    for (const p of stream) queue.price('DOTUSDT', p.price, p.time);
    // The price lane writes the newest stream price; its series points wait for the bulk flush.
    expect(await waitFor(() => live.data.spot.getPrice('DOTUSDT'))).toEqual({
      price: '2.30',
      time: T0 + 2000,
    });
    // A REST answer older than that price, newer than the first stream points.
    const rest = live.batch('spot');
    writeRestPrices(rest, [{ symbol: 'DOTUSDT', price: '9.99' }], T0 + 1500);
    await rest.flush();
    await queue.flush();
    expect(await live.data.spot.getPrice('DOTUSDT')).toEqual({ price: '2.30', time: T0 + 2000 });
    expect(await live.prices.spot.getPriceHistory('DOTUSDT', { from: T0 })).toEqual(stream);
  });

  it('keeps the earlier stream points in the series when a newer REST price joins it first', async () => {
    const { live, queue } = setup({ flushMs: 600_000 });
    queue.price('LTCUSDT', '80.10', T0);
    queue.price('LTCUSDT', '80.20', T0 + 1000);
    await waitFor(() => live.data.spot.getPrice('LTCUSDT'));
    const rest = live.batch('spot');
    writeRestPrices(rest, [{ symbol: 'LTCUSDT', price: '80.50' }], T0 + 5000);
    await rest.flush();
    await queue.flush();
    expect(await live.data.spot.getPrice('LTCUSDT')).toEqual({ price: '80.50', time: T0 + 5000 });
    expect(await live.prices.spot.getPriceHistory('LTCUSDT', { from: T0 })).toEqual([
      { time: T0, price: '80.10' },
      { time: T0 + 1000, price: '80.20' },
      { time: T0 + 5000, price: '80.50' },
    ]);
  });

  it("changes nothing with a deposed leader's late flush: price, series, trades and candles stay the new leader's", async () => {
    const { live, queue: deposed } = setup({ flushMs: 600_000 });
    const { queue: leader } = setup({}, live);
    const candle = (close: string, rank: number) => ({
      openTime: T0,
      closeTime: T0 + 59_999,
      open: '100.00',
      high: '101.00',
      low: '99.00',
      close,
      volume: '1.00',
      quoteVolume: '100.00',
      trades: rank,
      closed: false,
    });
    // The old leader queued these before it lost the lease; they reach Redis last.
    deposed.price('XRPUSDT', '0.50', T0 + 1000);
    deposed.add((b) => {
      b.trade('XRPUSDT', { id: 7, price: '0.50', quantity: '10', side: 'buy', time: T0 + 1000 });
      b.candle('XRPUSDT', '1m', candle('0.50', 7), { lastTradeId: 7 });
    });
    leader.price('XRPUSDT', '0.60', T0 + 2000);
    leader.add((b) => {
      b.trade('XRPUSDT', { id: 8, price: '0.60', quantity: '10', side: 'sell', time: T0 + 2000 });
      b.candle('XRPUSDT', '1m', candle('0.60', 8), { lastTradeId: 8 });
    });
    await leader.flush();
    await deposed.flush();
    expect(await live.data.spot.getPrice('XRPUSDT')).toEqual({ price: '0.60', time: T0 + 2000 });
    expect(await live.prices.spot.getPriceHistory('XRPUSDT', { from: T0 })).toEqual([
      { time: T0 + 2000, price: '0.60' },
    ]);
    expect((await live.data.spot.getRecentTrades('XRPUSDT')).map((t) => t.id)).toEqual([8]);
    const [stored] = await live.prices.spot.getOhlcvData('XRPUSDT', '1m', { limit: 1 });
    expect(stored).toMatchObject({ close: '0.60', trades: 8 });
  });

  it('lets other work run while it encodes and sends a large flush', async () => {
    // A real client whose pipeline() counts the pipelines sent (a spy, nothing replaced).
    const bulk = server.client({ lazyConnect: false });
    let pipelines = 0;
    const pipeline = bulk.pipeline.bind(bulk);
    bulk.pipeline = ((...args: Parameters<typeof bulk.pipeline>) => {
      pipelines++;
      return pipeline(...args);
    }) as typeof bulk.pipeline;
    try {
      const keys = createKeys(`t${randomBytes(4).toString('hex')}`).market;
      const { live, queue } = setup({ flushMs: 600_000 }, new LiveMarket({ redis: bulk, keys }));
      const symbols = Array.from({ length: 2000 }, (_, i) => `S${i}USDT`);
      for (const [s, symbol] of symbols.entries()) {
        queue.add((b) => {
          for (let i = 0; i < 10; i++) b.seriesTick(symbol, `${s}.${i}`, T0 + i);
          b.candle(symbol, '1m', minuteCandle(`${s}.5`), { lastTradeId: s });
          b.stats24h(symbol, { lastPrice: `${s}.5` }, { seq: T0, time: T0 });
        });
      }
      let sentBeforeOthersRan = -1;
      setImmediate(() => {
        sentBeforeOthersRan = pipelines;
      });
      await queue.flush();
      // Held in one go, the flush would have sent every pipeline before the callback ran.
      expect(sentBeforeOthersRan).toBeGreaterThanOrEqual(0);
      expect(sentBeforeOthersRan).toBeLessThan(pipelines);
      const stored = await Promise.all(symbols.map((s) => live.data.spot.getStats24h(s)));
      expect(stored.map((s) => s?.lastPrice)).toEqual(symbols.map((_, i) => `${i}.5`));
    } finally {
      bulk.disconnect();
    }
  });

  it('writes a current price on its own connection while a large bulk flush is still under way', async () => {
    const bulk = server.client({ lazyConnect: false });
    const prices = server.client({ lazyConnect: false });
    try {
      const keys = createKeys(`t${randomBytes(4).toString('hex')}`).market;
      const shared = new LiveMarket({ redis: bulk, priceRedis: prices, keys });
      const { queue } = setup({ flushMs: 600_000, maxWrites: 10_000_000 }, shared);
      // Read on a third connection, as the HTTP API does.
      const reader = new LiveMarket({ redis: client, keys });
      for (let s = 0; s < 1000; s++) {
        const symbol = `B${s}USDT`;
        queue.add((b) => {
          for (let i = 0; i < 20; i++) b.seriesTick(symbol, `${s}.${i}`, T0 + i);
          b.candle(symbol, '1m', minuteCandle(`${s}.5`), { lastTradeId: s });
          b.stats24h(symbol, { lastPrice: `${s}.5` }, { seq: T0, time: T0 });
        });
      }
      let bulkDone = false;
      const flushing = queue.flush().then(() => {
        bulkDone = true;
      });
      queue.price('BTCUSDT', '60000.01', T0 + 5);
      expect(await waitFor(() => reader.data.spot.getPrice('BTCUSDT'), 10_000, 1)).toEqual({
        price: '60000.01',
        time: T0 + 5,
      });
      expect(bulkDone).toBe(false);
      await flushing;
      expect((await reader.data.spot.getStats24h('B999USDT'))?.lastPrice).toBe('999.5');
    } finally {
      bulk.disconnect();
      prices.disconnect();
    }
  });

  it('bounds the bulk lane under overload: drops the oldest series points and counts them', async () => {
    const { live, metrics, queue } = setup({ maxInFlight: 1, maxQueued: 100, maxWrites: 1_000_000 });
    // One slow flush under way: the queue fills behind it.
    queue.add((b) => b.stats24h('ADAUSDT', { lastPrice: '1.0' }, { seq: T0, time: T0 }));
    const first = queue.flush();
    for (let i = 0; i < 1000; i++) queue.price('ADAUSDT', `1.${String(i).padStart(3, '0')}`, T0 + i);
    await first;
    await queue.flush();
    const dropped = (await metrics.dropped.get()).values.reduce((n, v) => n + v.value, 0);
    expect(dropped).toBeGreaterThan(0);
    const ticks = await live.prices.spot.getPriceHistory('ADAUSDT', { from: T0, limit: 1000 });
    expect(ticks.length).toBe(1000 - dropped);
    // The newest points and the current price are kept.
    expect(ticks.at(-1)).toEqual({ time: T0 + 999, price: '1.999' });
    expect(await live.data.spot.getPrice('ADAUSDT')).toEqual({ price: '1.999', time: T0 + 999 });
  });
});

function minuteCandle(price: string) {
  return {
    openTime: T0,
    closeTime: T0 + 59_999,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: '1',
    quoteVolume: price,
    trades: 1,
    closed: false,
  };
}

/** A watched symbol writing through `queue`, with no exchange behind it (trades are handed in). */
function watchedSymbol(symbol: string, queue: WriteQueue, metrics: ReturnType<typeof feedMetrics>) {
  return new WatchedSymbol(symbol, {
    market: 'spot',
    exchange: {} as ExchangeClient,
    queue,
    metrics,
    logger,
    orderBookDepth: 20,
    onCandleClosed: () => {},
  });
}
