import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { keysMatching, startTestRedis, type TestRedis } from '../helpers/redis.ts';

let redis: TestRedis;
let app: TestApp;
let dataDir: string;

const MIN = 60_000;
const HOUR = 60 * MIN;
/** A minute boundary a little over a day ago, so the 24h change has a reference. */
const NOW = Date.now();
const T0 = NOW - (NOW % MIN) - 25 * HOUR;

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'market-http-'));
  app = await startTestApp({
    REDIS_URL: redis.url,
    TRADECACHE_DATA_DIR: dataDir,
    // Never called: the routes read Redis only.
    BINANCE_SPOT_URL: 'http://127.0.0.1:9',
    BINANCE_FUTURES_URL: 'http://127.0.0.1:9',
  });
  // The data goes in through the write API the feed uses.
  const batch = app.ctx.market.batch('spot');
  batch.price('BTCUSDT', '60000.00000000', T0);
  batch.price('BTCUSDT', '60100.00000000', T0 + 24 * HOUR - 1000);
  batch.price('BTCUSDT', '60650.00000000', NOW - 500);
  batch.bookTicker(
    'BTCUSDT',
    { bidPrice: '60649.99000000', bidQty: '0.36580000', askPrice: '60650.00000000', askQty: '0.45178000' },
    { seq: NOW - 400, time: NOW - 400 },
  );
  batch.orderBook('BTCUSDT', {
    lastUpdateId: 14_572_318_901,
    bids: Array.from({ length: 30 }, (_, i) => [`${60649 - i}.99000000`, '1.00000000'] as const),
    asks: Array.from({ length: 30 }, (_, i) => [`${60650 + i}.00000000`, '2.00000000'] as const),
  });
  batch.trade('BTCUSDT', {
    id: 966_492_862,
    price: '60650.00000000',
    quantity: '0.00841000',
    side: 'buy',
    time: NOW - 500,
  });
  batch.stats24h(
    'BTCUSDT',
    {
      priceChange: '-1880.95000000',
      priceChangePercent: '-3.003',
      weightedAvgPrice: '61979.85540978',
      lastPrice: '60755.18000000',
      openPrice: '62636.13000000',
      highPrice: '63732.39000000',
      lowPrice: '60000.00000000',
      volume: '53076.84650000',
      quoteVolume: '3289695271.67717710',
      openTime: 1_634_858_001_452,
      closeTime: 1_634_944_401_452,
      count: 1_580_522,
    },
    { seq: 1_634_944_401_452, time: 1_634_944_401_452 },
  );
  for (let i = 0; i < 5; i++) {
    batch.candle(
      'BTCUSDT',
      '1m',
      {
        openTime: T0 + i * MIN,
        closeTime: T0 + (i + 1) * MIN - 1,
        open: '60000.00000000',
        high: '60010.00000000',
        low: '59990.00000000',
        close: `6000${i}.00000000`,
        volume: '1.50000000',
        quoteVolume: '90000.00000000',
        trades: 12,
        closed: false,
      },
      { lastTradeId: 100 + i },
    );
  }
  await batch.flush();
  await app.ctx.market.data.futures.setPrice('ETHUSDT', '4000.10', NOW - 100);
});
afterAll(async () => {
  await app?.close();
  await redis?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

const get = (url: string) => app.http.inject({ method: 'GET', url });

describe('GET /api/v1/cache/market-data/:symbol', () => {
  it('answers price, book, last trade and 24h statistics as decimal strings, byte-exact', async () => {
    const res = await get('/api/v1/cache/market-data/BTCUSDT');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(
      [
        'ageMs',
        'bookTicker',
        'fresh',
        'market',
        'orderBook',
        'premiumIndex',
        'price',
        'stats24h',
        'symbol',
        'trade',
      ].sort(),
    );
    expect(body.symbol).toBe('BTCUSDT');
    expect(body.market).toBe('spot');
    expect(body.price).toEqual({ price: '60650.00000000', time: NOW - 500 });
    expect(body.bookTicker).toEqual({
      bidPrice: '60649.99000000',
      bidQty: '0.36580000',
      askPrice: '60650.00000000',
      askQty: '0.45178000',
      time: NOW - 400,
    });
    expect(body.orderBook.lastUpdateId).toBe(14_572_318_901);
    expect(body.orderBook.bids).toHaveLength(20);
    expect(body.orderBook.bids[0]).toEqual(['60649.99000000', '1.00000000']);
    expect(body.orderBook.asks[19]).toEqual(['60669.00000000', '2.00000000']);
    expect(body.trade).toEqual({
      id: 966_492_862,
      price: '60650.00000000',
      quantity: '0.00841000',
      side: 'buy',
      time: NOW - 500,
    });
    expect(body.stats24h).toMatchObject({
      priceChange: '-1880.95000000',
      priceChangePercent: '-3.003',
      count: 1_580_522,
    });
    expect(body.premiumIndex).toBeNull();
    expect(body.fresh).toBe(true);
    expect(body.ageMs).toBeGreaterThanOrEqual(500);
    // The raw JSON carries the strings, never numbers.
    expect(res.body).toContain('"price":"60650.00000000"');
  });

  it('answers 404 for a symbol with nothing cached, and for the other market', async () => {
    const res = await get('/api/v1/cache/market-data/DOGEUSDT');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect((await get('/api/v1/cache/market-data/BTCUSDT?market=futures')).statusCode).toBe(404);
    expect((await get('/api/v1/cache/market-data/ETHUSDT?market=futures')).json().price.price).toBe(
      '4000.10',
    );
  });

  it('carries the futures premium index (mark price, funding rate) as the OpenAPI schema describes it', async () => {
    await app.ctx.market.data.futures.setPremiumIndex(
      'ETHUSDT',
      {
        markPrice: '4000.12000000',
        indexPrice: '4000.50000000',
        fundingRate: '-0.00010000',
        nextFundingTime: NOW + 3_600_000,
      },
      { seq: NOW - 50, time: NOW - 50 },
    );
    const body = (await get('/api/v1/cache/market-data/ETHUSDT?market=futures')).json();
    expect(body.premiumIndex).toEqual({
      markPrice: '4000.12000000',
      indexPrice: '4000.50000000',
      fundingRate: '-0.00010000',
      nextFundingTime: NOW + 3_600_000,
      time: NOW - 50,
    });
    const spec = (await get('/openapi.json')).json();
    const schema =
      spec.paths['/api/v1/cache/market-data/{symbol}'].get.responses['200'].content['application/json']
        .schema;
    expect(schema.required).toContain('premiumIndex');
    expect(Object.keys(schema.properties.premiumIndex.properties).sort()).toEqual(
      Object.keys(body.premiumIndex).sort(),
    );
    expect(schema.properties.premiumIndex.required.sort()).toEqual(Object.keys(body.premiumIndex).sort());
  });

  it('answers 400 for a bad symbol or market', async () => {
    for (const url of [
      '/api/v1/cache/market-data/btcusdt',
      '/api/v1/cache/market-data/B',
      '/api/v1/cache/market-data/BTC-USDT',
      `/api/v1/cache/market-data/${'A'.repeat(31)}`,
      '/api/v1/cache/market-data/BTCUSDT?market=margin',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe('VALIDATION_FAILED');
      expect(typeof res.json().error.message).toBe('string');
    }
  });
});

describe('GET /api/v1/cache/price/:symbol', () => {
  it('answers the price with exact 1h and 24h changes', async () => {
    const res = await get('/api/v1/cache/price/BTCUSDT');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      symbol: 'BTCUSDT',
      market: 'spot',
      price: '60650.00000000',
      time: NOW - 500,
    });
    expect(body.fresh).toBe(true);
    expect(body.change['1h']).toEqual({
      price: '60100.00000000',
      change: '550.00000000',
      changePercent: '0.915',
    });
    expect(body.change['24h']).toEqual({
      price: '60000.00000000',
      change: '650.00000000',
      changePercent: '1.083',
    });
  });

  it('answers null changes while the series is short, and 404 without a price', async () => {
    const body = (await get('/api/v1/cache/price/ETHUSDT?market=futures')).json();
    expect(body.change).toEqual({ '1h': null, '24h': null });
    expect((await get('/api/v1/cache/price/ETHUSDT')).statusCode).toBe(404);
    expect((await get('/api/v1/cache/price/eth')).statusCode).toBe(400);
  });
});

describe('GET /api/v1/cache/symbols', () => {
  it('lists the symbols holding a price, per market', async () => {
    expect((await get('/api/v1/cache/symbols')).json()).toEqual({ count: 1, symbols: ['BTCUSDT'] });
    expect((await get('/api/v1/cache/symbols?market=futures')).json()).toEqual({
      count: 1,
      symbols: ['ETHUSDT'],
    });
    expect((await get('/api/v1/cache/symbols?market=nope')).statusCode).toBe(400);
  });
});

describe('GET /api/v1/market/:symbol/ohlcv', () => {
  it('answers candles whose open time is in [from, to], ISO or epoch ms', async () => {
    const from = new Date(T0 + MIN).toISOString();
    const res = await get(`/api/v1/market/BTCUSDT/ohlcv?interval=1m&from=${from}&to=${T0 + 3 * MIN}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ symbol: 'BTCUSDT', market: 'spot', interval: '1m' });
    expect(body.candles.map((c: { openTime: number }) => c.openTime)).toEqual([
      T0 + MIN,
      T0 + 2 * MIN,
      T0 + 3 * MIN,
    ]);
    expect(body.candles[0]).toEqual({
      openTime: T0 + MIN,
      closeTime: T0 + 2 * MIN - 1,
      open: '60000.00000000',
      high: '60010.00000000',
      low: '59990.00000000',
      close: '60001.00000000',
      volume: '1.50000000',
      quoteVolume: '90000.00000000',
      trades: 12,
      closed: true,
    });
    const limited = (await get('/api/v1/market/BTCUSDT/ohlcv?interval=1m&limit=2')).json();
    expect(limited.candles.map((c: { openTime: number }) => c.openTime)).toEqual([
      T0 + 3 * MIN,
      T0 + 4 * MIN,
    ]);
    // A range with no candles of a symbol that has some: empty, not 404.
    expect((await get('/api/v1/market/BTCUSDT/ohlcv?interval=5m')).json().candles).toEqual([]);
  });

  it('answers 404 for a symbol without candles', async () => {
    expect((await get('/api/v1/market/DOGEUSDT/ohlcv?interval=1m')).statusCode).toBe(404);
  });

  it('answers 400 for bad intervals, times, ranges and limits', async () => {
    const cases: Array<[string, string]> = [
      ['/api/v1/market/BTCUSDT/ohlcv?interval=7m', 'EXCHANGE_INVALID_INTERVAL'],
      ['/api/v1/market/BTCUSDT/ohlcv?interval=1M', 'EXCHANGE_INVALID_INTERVAL'],
      ['/api/v1/market/BTCUSDT/ohlcv', 'VALIDATION_FAILED'],
      ['/api/v1/market/BTCUSDT/ohlcv?interval=1m&from=yesterday', 'VALIDATION_FAILED'],
      ['/api/v1/market/BTCUSDT/ohlcv?interval=1m&from=2024-02-30', 'VALIDATION_FAILED'],
      [`/api/v1/market/BTCUSDT/ohlcv?interval=1m&from=${T0 + 1}&to=${T0}`, 'VALIDATION_FAILED'],
      ['/api/v1/market/BTCUSDT/ohlcv?interval=1m&limit=1001', 'VALIDATION_FAILED'],
      ['/api/v1/market/BTCUSDT/ohlcv?interval=1m&limit=0', 'VALIDATION_FAILED'],
      ['/api/v1/market/BTCUSDT/ohlcv?interval=1m&limit=ten', 'VALIDATION_FAILED'],
      ['/api/v1/market/btcusdt/ohlcv?interval=1m', 'VALIDATION_FAILED'],
    ];
    for (const [url, code] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe(code);
    }
  });
});

describe('GET /api/v1/market/:symbol/history', () => {
  it('answers ticks whose time is in [from, to], both ends included', async () => {
    const res = await get(`/api/v1/market/BTCUSDT/history?from=${T0}&to=${T0 + 24 * HOUR - 1000}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      symbol: 'BTCUSDT',
      market: 'spot',
      ticks: [
        { time: T0, price: '60000.00000000' },
        { time: T0 + 24 * HOUR - 1000, price: '60100.00000000' },
      ],
    });
    const last = (await get('/api/v1/market/BTCUSDT/history?limit=1')).json();
    expect(last.ticks).toEqual([{ time: NOW - 500, price: '60650.00000000' }]);
  });

  it('answers 404 without a series and 400 for bad ranges', async () => {
    expect((await get('/api/v1/market/DOGEUSDT/history')).statusCode).toBe(404);
    expect((await get(`/api/v1/market/BTCUSDT/history?from=${T0 + 1}&to=${T0}`)).statusCode).toBe(400);
    expect((await get('/api/v1/market/BTCUSDT/history?limit=5000')).statusCode).toBe(400);
  });
});

describe('bad requests change nothing', () => {
  it('leaves every key as it was after a burst of refused requests', async () => {
    const dump = async () => {
      const client = app.ctx.redis;
      const found = await keysMatching(client, `${app.ctx.keys.root}:market:*`);
      const values: Record<string, unknown> = {};
      for (const key of found.sort()) values[key] = await client.dump(key);
      return values;
    };
    const before = await dump();
    for (const url of [
      '/api/v1/cache/market-data/bad!',
      '/api/v1/cache/price/NOPE?market=x',
      '/api/v1/market/BTCUSDT/ohlcv?interval=2m',
      `/api/v1/market/BTCUSDT/history?from=${T0 + 1}&to=${T0}`,
      '/api/v1/market/BTCUSDT/ohlcv?interval=1m&limit=99999',
    ]) {
      expect((await get(url)).statusCode).toBe(400);
    }
    expect(await dump()).toEqual(before);
  });
});

describe('OpenAPI', () => {
  it('documents the five market routes', async () => {
    const doc = (await get('/openapi.json')).json();
    for (const route of [
      '/api/v1/cache/market-data/{symbol}',
      '/api/v1/cache/price/{symbol}',
      '/api/v1/cache/symbols',
      '/api/v1/market/{symbol}/ohlcv',
      '/api/v1/market/{symbol}/history',
    ]) {
      expect(doc.paths[route]?.get, route).toBeDefined();
    }
  });
});
