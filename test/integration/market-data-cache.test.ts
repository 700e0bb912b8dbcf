import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LiveMarket } from '../../src/market/live-market.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { createKeys } from '../../src/redis/keys/index.ts';
import { keysMatching, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { BINANCE_FIXTURES } from '../helpers/replay-server.ts';

let server: TestRedis;
let client: RedisClient;
let live: LiveMarket;
let keys: ReturnType<typeof createKeys>;

const spotRest = (file: string) =>
  JSON.parse(readFileSync(path.join(BINANCE_FIXTURES, 'spot/rest', file), 'utf8')) as Record<string, unknown>;

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

describe('MarketDataCache monotonic writes', () => {
  it('ignores a REST price with an older exchange time after a stream price, and says so', async () => {
    const data = live.data.spot;
    expect(await data.setPrice('BTCUSDT', '60650.00000000', 1_634_944_096_633)).toBe(true);
    const before = await client.get(keys.market.price('spot', 'BTCUSDT'));
    const ttlBefore = await client.pttl(keys.market.price('spot', 'BTCUSDT'));
    const result = await live.batch('spot').price('BTCUSDT', '60000.00000000', 1_634_944_096_000).flush();
    expect(result.byKind.price).toEqual({ written: 0, ignored: 1 });
    expect(result.ignored).toBe(1);
    expect(await client.get(keys.market.price('spot', 'BTCUSDT'))).toBe(before);
    expect(await client.pttl(keys.market.price('spot', 'BTCUSDT'))).toBeLessThanOrEqual(ttlBefore);
    expect(await data.getPrice('BTCUSDT')).toEqual({ price: '60650.00000000', time: 1_634_944_096_633 });
    // The refused price did not join the series either.
    expect(await live.prices.spot.getPriceHistory('BTCUSDT')).toEqual([
      { time: 1_634_944_096_633, price: '60650.00000000' },
    ]);
  });

  it('keeps the newer of two order books, best bid/ask and 24h statistics whatever the arrival order', async () => {
    const data = live.data.spot;
    const depth = spotRest('depth.BTCUSDT.limit10.2021-10-22.json') as {
      lastUpdateId: number;
      bids: [string, string][];
      asks: [string, string][];
    };
    expect(await data.setOrderBook('BTCUSDT', depth, 1_634_944_100_000)).toBe(true);
    const older = {
      lastUpdateId: depth.lastUpdateId - 1,
      bids: [['1.00000000', '1.00000000']] as const,
      asks: [],
    };
    expect(await data.setOrderBook('BTCUSDT', older)).toBe(false);
    const book = await data.getOrderBook('BTCUSDT');
    expect(book?.lastUpdateId).toBe(depth.lastUpdateId);
    expect(book?.bids).toEqual(depth.bids);
    expect(book?.asks).toEqual(depth.asks);

    const { symbol: _, ...ticker } = spotRest('ticker_bookTicker.BTCUSDT.2021-10-22.json') as unknown as {
      symbol: string;
      bidPrice: string;
      bidQty: string;
      askPrice: string;
      askQty: string;
    };
    expect(await data.setBookTicker('BTCUSDT', ticker, { seq: 20, time: 1_634_944_100_020 })).toBe(true);
    expect(
      await data.setBookTicker('BTCUSDT', { ...ticker, bidPrice: '1.00000000' }, { seq: 19, time: 1 }),
    ).toBe(false);
    expect(await data.setBookTicker('BTCUSDT', ticker, { seq: 20 })).toBe(false);
    expect(await data.getBookTicker('BTCUSDT')).toEqual({ ...ticker, time: 1_634_944_100_020 });

    const stats = spotRest('ticker_24hr.BTCUSDT.2021-10-22.json') as never as Record<string, string | number>;
    const order = { seq: stats.closeTime as number, time: stats.closeTime as number };
    expect(await data.setStats24h('BTCUSDT', stats, order)).toBe(true);
    expect(await data.setStats24h('BTCUSDT', { ...stats, lastPrice: '1.0' }, { seq: order.seq - 1 })).toBe(
      false,
    );
    const got = await data.getStats24h('BTCUSDT');
    for (const member of [
      'openPrice',
      'highPrice',
      'lowPrice',
      'lastPrice',
      'volume',
      'quoteVolume',
    ] as const) {
      expect(got?.[member]).toBe(stats[member]);
    }
    expect(got?.priceChange).toBe('-1880.95000000');
    expect(got?.priceChangePercent).toBe('-3.003');
    expect(got?.count).toBe(stats.count);
  });

  it('keeps the top ORDER_BOOK_DEPTH levels of a deeper book', async () => {
    const levels = (from: number, step: number) =>
      Array.from({ length: 50 }, (_, i) => [`${from + i * step}.10`, '0.50'] as const);
    const small = new LiveMarket({ redis: client, keys: keys.market, options: { orderBookDepth: 25 } });
    await small.data.spot.setOrderBook('ETHUSDT', {
      lastUpdateId: 7,
      bids: levels(3000, -1),
      asks: levels(3001, 1),
    });
    const book = await small.data.spot.getOrderBook('ETHUSDT');
    expect(book?.bids).toHaveLength(25);
    expect(book?.asks).toHaveLength(25);
    expect(book?.bids[0]).toEqual(['3000.10', '0.50']);
    expect(book?.asks[24]).toEqual(['3025.10', '0.50']);
    expect(
      () => new LiveMarket({ redis: client, keys: keys.market, options: { orderBookDepth: 19 } }),
    ).toThrow();
  });

  it('keeps a capped list of recent trades, newest first, and ignores replays', async () => {
    const small = new LiveMarket({ redis: client, keys: keys.market, options: { tradesKept: 3 } });
    const agg = spotRest('aggTrades.BTCUSDT.2021-10-22.json') as unknown as Array<{
      a: number;
      p: string;
      q: string;
      T: number;
      m: boolean;
    }>;
    const trades = agg.slice(0, 5).map((t) => ({
      id: t.a,
      price: t.p,
      quantity: t.q,
      side: t.m ? ('sell' as const) : ('buy' as const),
      time: t.T,
    }));
    expect(await small.data.spot.addTrades('BTCUSDT', trades)).toBe(5);
    expect(await small.data.spot.addTrades('BTCUSDT', trades.slice(2))).toBe(0);
    const recent = await small.data.spot.getRecentTrades('BTCUSDT');
    expect(recent).toEqual(trades.slice(2).reverse());
    expect(recent[0]?.price).toBe(agg[4]?.p);
  });

  it('stores futures premium index and symbol info, and refuses a premium index on spot', async () => {
    const premium = {
      markPrice: '11793.63104562',
      indexPrice: '11781.80495970',
      fundingRate: '-0.00038246',
      nextFundingTime: 1597392000000,
    };
    expect(
      await live.data.futures.setPremiumIndex('BTCUSDT', premium, {
        seq: 1597370495002,
        time: 1597370495002,
      }),
    ).toBe(true);
    expect(await live.data.futures.getPremiumIndex('BTCUSDT')).toEqual({ ...premium, time: 1597370495002 });
    expect(() => live.batch('spot').premiumIndex('BTCUSDT', premium, { seq: 1 })).toThrow(/futures only/);
    const info = {
      symbol: 'BTCUSDT',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      status: 'TRADING',
      type: 'spot' as const,
      tickSize: '0.01000000',
      stepSize: '0.00001000',
      minNotional: '10.00000000',
    };
    expect(await live.data.spot.setSymbolInfo('BTCUSDT', info, { seq: 1 })).toBe(true);
    expect(await live.data.spot.getSymbolInfo('BTCUSDT')).toEqual(info);
    expect(await client.pttl(keys.market.info('spot', 'BTCUSDT'))).toBeGreaterThan(3_000_000);
  });
});

describe('MarketDataCache reads', () => {
  it('answers a snapshot with nulls for what was never written, and byte-exact decimals', async () => {
    await live.data.spot.setPrice('BTCUSDT', '60650.00000000', 1000);
    const snapshot = await live.data.spot.getSnapshot('BTCUSDT');
    expect(snapshot).toEqual({
      symbol: 'BTCUSDT',
      market: 'spot',
      price: { price: '60650.00000000', time: 1000 },
      bookTicker: null,
      orderBook: null,
      trade: null,
      stats24h: null,
      premiumIndex: null,
    });
  });

  it('lists the symbols of a market holding a price, and tells fresh from stale by exchange time', async () => {
    const now = Date.now();
    await live
      .batch('spot')
      .price('ETHUSDT', '4000.10', now - 2000)
      .price('BTCUSDT', '60000.0', now)
      .flush();
    await live.data.futures.setPrice('SOLUSDT', '150.000', now);
    await live.data.spot.setBookTicker(
      'XRPUSDT',
      { bidPrice: '1', bidQty: '1', askPrice: '1', askQty: '1' },
      { seq: 1 },
    );
    expect(await live.data.spot.getSymbols(now)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(await live.data.futures.getSymbols(now)).toEqual(['SOLUSDT']);
    // A symbol whose last price is older than the real-time TTL is no longer listed.
    expect(await live.data.spot.getSymbols(now + 29_000)).toEqual(['BTCUSDT']);
    expect(await live.data.spot.isPriceFresh('ETHUSDT', 2000, now)).toBe(true);
    expect(await live.data.spot.isPriceFresh('ETHUSDT', 1999, now)).toBe(false);
    expect(await live.data.spot.isPriceFresh('DOGEUSDT', 60_000, now)).toBe(false);
  });

  it('gives real-time records a TTL counted from the write, not from the exchange time', async () => {
    await live.data.spot.setPrice('BTCUSDT', '1.0', 1000);
    const ttl = await client.pttl(keys.market.price('spot', 'BTCUSDT'));
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });
});

describe('write batch input checks', () => {
  it('refuses a float, an exponent or a bad symbol before anything is queued', async () => {
    const batch = live.batch('spot');
    expect(() => batch.price('BTCUSDT', 60650 as never, 1)).toThrow(/decimal string/);
    expect(() => batch.price('BTCUSDT', '6.065e4', 1)).toThrow(/decimal string/);
    expect(() => batch.price('btcusdt', '1.0', 1)).toThrow(/symbol/);
    expect(() => batch.price('BTC:*', '1.0', 1)).toThrow(/symbol/);
    expect(() => batch.price('BTCUSDT', '1.0', -5)).toThrow(/non-negative integer/);
    expect(batch.size).toBe(0);
    expect((await batch.flush()).written).toBe(0);
    expect(await keysMatching(client, `${keys.root}:*`)).toEqual([]);
  });

  it('refuses a batch holding a bad candle at flush, sending nothing of it', async () => {
    const good = {
      openTime: 60_000,
      closeTime: 119_999,
      open: '1.0',
      high: '1.0',
      low: '1.0',
      close: '1.0',
      volume: '1.0',
      quoteVolume: '1.0',
      trades: 1,
      closed: false,
    };
    const batch = live.batch('spot').price('BTCUSDT', '1.0', 1);
    batch.candle('BTCUSDT', '1m', good, { lastTradeId: 1 });
    batch.candle('ETHUSDT', '1m', { ...good, high: 1.5 as never }, { lastTradeId: 1 });
    await expect(batch.flush()).rejects.toThrow(/candle high must be a plain decimal string/);
    expect(() => batch.candle('BTCUSDT', '2m' as never, good, { lastTradeId: 1 })).toThrow(/interval/);
    expect(await keysMatching(client, `${keys.root}:*`)).toEqual([]);
  });
});
