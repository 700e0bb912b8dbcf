import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LiveMarket } from '../../src/market/live-market.ts';
import type { Candle } from '../../src/market/prices/index.ts';
import { type RedisClient, scanNodes } from '../../src/redis/client.ts';
import { createKeys } from '../../src/redis/keys/index.ts';
import { startTestRedis, type TestRedis, testRedisKind } from '../helpers/redis.ts';

let server: TestRedis;
let client: RedisClient;
let live: LiveMarket;
let keys: ReturnType<typeof createKeys>;

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = 1_634_943_780_000; // 2021-10-22T23:03:00Z, a minute boundary

beforeAll(async () => {
  server = await startTestRedis();
  client = server.client({ lazyConnect: false });
});
beforeEach(() => {
  keys = createKeys(`t${randomBytes(4).toString('hex')}`);
  live = new LiveMarket({ redis: client, keys: keys.market });
});
afterAll(async () => {
  client?.disconnect();
  await server?.destroy();
});

function candle(openTime: number, close: string, overrides: Partial<Candle> = {}): Candle {
  return {
    openTime,
    closeTime: openTime + MIN - 1,
    open: '60685.22000000',
    high: '60729.84000000',
    low: '60670.90000000',
    close,
    volume: '21.63272000',
    quoteVolume: '1313200.01340410',
    trades: 617,
    closed: false,
    ...overrides,
  };
}

describe('PriceCache.getPriceChange', () => {
  it('uses a tick exactly at now − period, and not one 1 ms later', async () => {
    const prices = live.prices.spot;
    const now = T0 + HOUR;
    await live
      .batch('spot')
      .price('BTCUSDT', '60000.00000000', T0 - 1)
      .price('BTCUSDT', '60100.00000000', T0)
      .price('BTCUSDT', '60650.00000000', now)
      .flush();
    expect(await prices.getPriceChange('BTCUSDT', HOUR, now)).toEqual({
      price: '60100.00000000',
      time: T0,
      change: '550.00000000',
      changePercent: '0.915',
    });
    // One ms earlier "now": the tick at T0 is 1 ms inside the window, so T0 − 1 is the reference.
    expect((await prices.getPriceChange('BTCUSDT', HOUR, now - 1))?.price).toBe('60000.00000000');
    expect(await prices.getPriceChange('BTCUSDT', HOUR, T0 - 2 + HOUR)).toBeNull();
    expect(await prices.getPriceChange('ETHUSDT', HOUR, now)).toBeNull();
  });

  it('computes a fall exactly, sign and digits kept', async () => {
    await live
      .batch('spot')
      .price('ADABTC', '0.00003350', T0)
      .price('ADABTC', '0.00003299', T0 + DAY)
      .flush();
    expect(await live.prices.spot.getPriceChange('ADABTC', DAY, T0 + DAY)).toEqual({
      price: '0.00003350',
      time: T0,
      change: '-0.00000051',
      changePercent: '-1.522',
    });
  });
});

describe('PriceCache.getPriceHistory', () => {
  beforeEach(async () => {
    const batch = live.batch('spot');
    for (let i = 0; i < 10; i++) batch.price('BTCUSDT', `6000${i}.10000000`, T0 + i * 1000);
    await batch.flush();
  });

  it('returns ticks whose time is in [from, to], both ends included, oldest first', async () => {
    const ticks = await live.prices.spot.getPriceHistory('BTCUSDT', { from: T0 + 2000, to: T0 + 5000 });
    expect(ticks.map((t) => t.time)).toEqual([T0 + 2000, T0 + 3000, T0 + 4000, T0 + 5000]);
    expect(ticks[0]?.price).toBe('60002.10000000');
  });

  it('with from gives the first limit ticks, without it the last limit up to to', async () => {
    const first = await live.prices.spot.getPriceHistory('BTCUSDT', { from: T0, limit: 3 });
    expect(first.map((t) => t.time)).toEqual([T0, T0 + 1000, T0 + 2000]);
    const last = await live.prices.spot.getPriceHistory('BTCUSDT', { to: T0 + 8000, limit: 2 });
    expect(last.map((t) => t.time)).toEqual([T0 + 7000, T0 + 8000]);
    expect(await live.prices.spot.getPriceHistory('BTCUSDT', { from: T0 + 9001 })).toEqual([]);
  });
});

describe('PriceCache candles', () => {
  it('answers candles whose open time is in [from, to], byte-exact', async () => {
    const candles = Array.from({ length: 10 }, (_, i) => candle(T0 + i * MIN, `6071${i}.27000000`));
    expect(await live.prices.spot.setOhlcvData('BTCUSDT', '1m', candles, { final: true })).toBe(10);
    await live.prices.spot.setOhlcvData('BTCUSDT', '5m', [
      candle(T0, '1.0', { closeTime: T0 + 5 * MIN - 1 }),
    ]);
    const got = await live.prices.spot.getOhlcvData(
      'BTCUSDT',
      '1m',
      { from: T0 + MIN, to: T0 + 3 * MIN },
      T0,
    );
    expect(got.map((c) => c.openTime)).toEqual([T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
    expect(got[0]).toEqual({ ...candles[1], closed: false });
    const last = await live.prices.spot.getOhlcvData('BTCUSDT', '1m', { limit: 2 });
    expect(last.map((c) => c.openTime)).toEqual([T0 + 8 * MIN, T0 + 9 * MIN]);
    // Another interval's candles never leak into a range.
    expect(await live.prices.spot.getOhlcvData('BTCUSDT', '5m', {})).toHaveLength(1);
    expect(await live.prices.spot.getOhlcvData('BTCUSDT', '15m', {})).toEqual([]);
  });

  it('marks a candle closed once its close time has passed', async () => {
    await live.prices.spot.setOhlcvData('BTCUSDT', '1m', [candle(T0, '1.0')]);
    const [open] = await live.prices.spot.getOhlcvData('BTCUSDT', '1m', {}, T0 + MIN - 1);
    const [closed] = await live.prices.spot.getOhlcvData('BTCUSDT', '1m', {}, T0 + MIN);
    expect(open?.closed).toBe(false);
    expect(closed?.closed).toBe(true);
  });

  it('orders updates of one candle by last trade id; the exchange kline wins over built ones', async () => {
    const write = (c: Candle, lastTradeId: number, final = false) =>
      live.batch('spot').candle('BTCUSDT', '1m', c, { lastTradeId, final }).flush();
    expect((await write(candle(T0, '2.0'), 20)).byKind.candle).toEqual({ written: 1, ignored: 0 });
    expect((await write(candle(T0, '1.0'), 10)).byKind.candle).toEqual({ written: 0, ignored: 1 });
    expect((await write(candle(T0, '2.0'), 20)).byKind.candle).toEqual({ written: 0, ignored: 1 });
    expect((await write(candle(T0, '3.0', { closed: true }), -1, true)).byKind.candle.written).toBe(1);
    expect((await write(candle(T0, '4.0'), 99)).byKind.candle).toEqual({ written: 0, ignored: 1 });
    const [stored] = await live.prices.spot.getOhlcvData('BTCUSDT', '1m', {});
    expect(stored?.close).toBe('3.0');
  });

  it('coalesces updates of one candle within a batch to the winning one, counting the rest as ignored', async () => {
    const batch = live.batch('spot');
    for (let id = 1; id <= 5; id++) batch.candle('BTCUSDT', '1m', candle(T0, `${id}.0`), { lastTradeId: id });
    batch.candle('BTCUSDT', '1m', candle(T0, '0.5'), { lastTradeId: 3 });
    const result = await batch.flush();
    expect(result.byKind.candle).toEqual({ written: 1, ignored: 5 });
    const [stored] = await live.prices.spot.getOhlcvData('BTCUSDT', '1m', {});
    expect(stored?.close).toBe('5.0');
  });
});

describe('one tick in one round trip', () => {
  it('writes price, series, trade and six candles of many symbols in one pipeline', async () => {
    const batch = live.batch('spot');
    const intervals = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']) {
      batch.price(symbol, '100.00000000', T0 + 5);
      batch.trade(symbol, { id: 7, price: '100.00000000', quantity: '0.5', side: 'buy', time: T0 + 5 });
      for (const interval of intervals)
        batch.candle(symbol, interval, candle(T0, '100.00000000'), { lastTradeId: 7 });
    }
    const scriptsBefore = await scriptCalls();
    const result = await batch.flush();
    // One pipeline per master: one round trip on one server, at most one per master on a Cluster.
    expect(result.roundTrips).toBeGreaterThanOrEqual(1);
    expect(result.roundTrips).toBeLessThanOrEqual(scanNodes(client).length);
    expect(result.byKind.price.written).toBe(3);
    expect(result.byKind.trade.written).toBe(3);
    expect(result.byKind.candle.written).toBe(18);
    // One script call for all three symbols, not one per symbol or structure (on a Cluster one
    // per hash slot: the three symbols' tags sit in three).
    expect((await scriptCalls()) - scriptsBefore).toBe(testRedisKind === 'cluster' ? 3 : 1);
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']) {
      expect(await live.prices.spot.getCurrentPrice(symbol)).toEqual({ price: '100.00000000', time: T0 + 5 });
      for (const interval of intervals) {
        expect(await live.prices.spot.getOhlcvData(symbol, interval, {})).toHaveLength(1);
      }
    }
  });

  it('cuts a big flush into bounded calls and still writes every tick, trade and record', async () => {
    const batch = live.batch('spot');
    // One symbol with a backlog past a section's 2,000 ticks, and 300 more symbols with a
    // price, a trade and a 24h record each: more than one call's arguments.
    for (let i = 1; i <= 4500; i++) batch.price('BIGUSDT', `${i}.00`, T0 + i);
    for (let i = 1; i <= 2500; i++)
      batch.trade('BIGUSDT', { id: i, price: '1.00', quantity: '0.1', side: 'sell', time: T0 + i });
    const symbols = Array.from({ length: 300 }, (_, i) => `S${String(i).padStart(3, '0')}USDT`);
    for (const s of symbols) {
      batch.price(s, '2.50', T0 + 7);
      batch.trade(s, { id: 9, price: '2.50', quantity: '1', side: 'buy', time: T0 + 7 });
      batch.stats24h(s, { lastPrice: '2.50' }, { seq: T0 + 7, time: T0 + 7 });
    }
    const scriptsBefore = await scriptCalls();
    const result = await batch.flush();
    expect((await scriptCalls()) - scriptsBefore).toBeGreaterThan(1);
    expect(result.byKind.price).toEqual({ written: 4800, ignored: 0 });
    expect(result.byKind.trade).toEqual({ written: 2800, ignored: 0 });
    expect(result.byKind.stats24h).toEqual({ written: 300, ignored: 0 });
    const newest = await live.prices.spot.getPriceHistory('BIGUSDT', { limit: 2 });
    expect(newest).toEqual([
      { time: T0 + 4499, price: '4499.00' },
      { time: T0 + 4500, price: '4500.00' },
    ]);
    expect(await client.zcard(keys.market.ticks('spot', 'BIGUSDT'))).toBe(4500);
    expect(await live.prices.spot.getCurrentPrice('BIGUSDT')).toEqual({ price: '4500.00', time: T0 + 4500 });
    expect(await live.prices.spot.getCurrentPrice('S299USDT')).toEqual({ price: '2.50', time: T0 + 7 });
    // Replayed as it is (a flush that failed half-way is sent again): nothing changes, all ignored.
    const replay = live.batch('spot');
    for (const s of symbols) replay.stats24h(s, { lastPrice: '9.99' }, { seq: T0 + 7, time: T0 + 7 });
    expect((await replay.flush()).byKind.stats24h).toEqual({ written: 0, ignored: 300 });
  });
});

describe('cleanupOldData', () => {
  it('removes only ticks and candles past their retention, and counts them', async () => {
    const now = T0 + 40 * DAY;
    const batch = live.batch('spot');
    batch.price('BTCUSDT', '1.0', now - DAY - 1); // past 24 h
    batch.price('BTCUSDT', '2.0', now - DAY); // exactly at the edge: kept
    batch.price('BTCUSDT', '3.0', now);
    batch.candle('BTCUSDT', '1m', candle(now - 7 * DAY - MIN, '1.0'), { lastTradeId: 1 }); // past 7 d
    batch.candle('BTCUSDT', '1m', candle(now - 7 * DAY, '1.0'), { lastTradeId: 1 }); // at the edge: kept
    batch.candle('BTCUSDT', '5m', candle(now - 31 * DAY, '1.0'), { lastTradeId: 1 }); // past 30 d
    batch.candle('BTCUSDT', '1h', candle(now - 31 * DAY, '1.0'), { lastTradeId: 1 }); // kept a year
    await batch.flush();
    await live.prices.futures.setOhlcvData('ETHUSDT', '1m', [candle(now - 8 * DAY, '1.0')]);

    const result = await live.cleanupOldData(now);
    expect(result.spot.ticks).toBe(1);
    expect(result.spot.candles).toEqual({ '1m': 1, '5m': 1, '15m': 0, '1h': 0, '4h': 0, '1d': 0 });
    expect(result.futures.candles['1m']).toBe(1);
    expect(result.futures.symbols).toBe(1);
    const ticks = await live.prices.spot.getPriceHistory('BTCUSDT', { from: 0 });
    expect(ticks.map((t) => t.price)).toEqual(['2.0', '3.0']);
    expect(await live.prices.spot.getOhlcvData('BTCUSDT', '1m', { from: 0 })).toHaveLength(1);
    expect(await live.prices.spot.getOhlcvData('BTCUSDT', '1h', { from: 0 })).toHaveLength(1);
    // Index and HASH agree: nothing dangling.
    expect(await client.hlen(keys.market.candles('spot', 'BTCUSDT'))).toBe(2);
    expect(await client.zcard(keys.market.candleIndex('spot', 'BTCUSDT'))).toBe(2);

    const again = await live.cleanupOldData(now);
    expect(again.spot.ticks).toBe(0);
    expect(Object.values(again.spot.candles).every((n) => n === 0)).toBe(true);
  });
});

/**
 * EVAL + EVALSHA calls seen so far (the commands a script runs are not counted here), summed
 * over every master: on a Cluster each runs the calls of its own slots.
 */
async function scriptCalls(): Promise<number> {
  let calls = 0;
  for (const node of scanNodes(client)) {
    const info = await node.info('commandstats');
    for (const m of info.matchAll(/cmdstat_(?:eval|evalsha):calls=(\d+)/g)) calls += Number(m[1]);
  }
  return calls;
}
