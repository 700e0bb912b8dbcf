import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isTradecacheError } from '../../src/errors.ts';
import { type BinanceClient, createBinanceClient } from '../../src/exchange/binance/index.ts';
import { Metrics } from '../../src/metrics.ts';
import type { KlineInterval } from '../../src/trading/index.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

let server: ReplayServer;
let client: BinanceClient;
let metrics: Metrics;

beforeAll(async () => {
  server = await startReplayServer();
  metrics = new Metrics();
  client = createBinanceClient({ spotUrl: server.url, futuresUrl: `${server.url}/`, metrics, maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('Binance client against replayed Binance bodies', () => {
  it('lists spot and futures markets from exchangeInfo', async () => {
    const spot = await client.getMarkets('spot');
    expect(spot.map((m) => m.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const futures = await client.getMarkets('futures');
    expect(futures.map((m) => [m.symbol, m.type])).toEqual([
      ['BTCUSDT', 'perpetual'],
      ['ETHUSDT', 'perpetual'],
      ['BTCUSDT_220325', 'delivery'],
    ]);
    expect(server.count('/fapi/v1/exchangeInfo')).toBe(1);
  });

  it('lists the full 2023 spot dump when the server serves it', async () => {
    server.useExchangeInfo('spot', 'exchangeInfo.full.2023-09-08.json');
    try {
      const markets = await client.getMarkets('spot');
      expect(markets).toHaveLength(2292);
      expect(markets.filter((m) => m.status === 'TRADING')).toHaveLength(1340);
    } finally {
      server.useExchangeInfo('spot', 'exchangeInfo.BTCUSDT_ETHUSDT.2021-10-22.json');
    }
  });

  it('fetches klines with symbol, interval, range and limit on the query string', async () => {
    const klines = await client.getKlines('spot', {
      symbol: 'BTCUSDT',
      interval: '1m',
      startTime: 1634943780000,
      endTime: 1634944379999,
      limit: 3,
    });
    expect(klines.map((k) => k.openTime)).toEqual([1634944200000, 1634944260000, 1634944320000]);
    const query = server.lastQuery('/api/v3/klines');
    expect(Object.fromEntries(query ?? [])).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      startTime: '1634943780000',
      endTime: '1634944379999',
      limit: '3',
    });
    expect(await client.getKlines('futures', { symbol: 'BTCUSDT', interval: '1h' })).toHaveLength(10);
  });

  it('fetches order book, recent trades and tickers', async () => {
    const book = await client.getOrderBook('spot', 'BTCUSDT', 5);
    expect(book.bids).toHaveLength(5);
    expect(server.lastQuery('/api/v3/depth')?.get('limit')).toBe('5');
    expect(await client.getRecentTrades('futures', 'BTCUSDT')).toHaveLength(10);
    expect(await client.getTickerPrices('spot', 'BTCUSDT')).toEqual([
      { symbol: 'BTCUSDT', price: '60740.00000000' },
    ]);
    expect(await client.getTickerPrices('spot')).toHaveLength(1141);
    const [ticker] = await client.get24hTickers('spot', 'BTCUSDT');
    expect(ticker?.closeTime).toBe(1634944401452);
    expect(await client.get24hTickers('futures')).toHaveLength(1089);
  });

  it('tracks the used weight Binance reports, per market, and exports it as a metric', async () => {
    await client.getTickerPrices('futures', 'BTCUSDT');
    const futures = client.weight('futures');
    expect(futures.usedWeight1m).toBe(server.usedWeight('futures'));
    expect(futures.observedAt).not.toBeNull();
    expect(futures.pausedUntil).toBeNull();
    // A header spelled in capitals (HTTP/1.1 servers) is read the same way.
    server.failNext('/api/v3/ticker/price', {
      status: 200,
      headers: { 'X-MBX-USED-WEIGHT-1M': '4321' },
      body: { symbol: 'BTCUSDT', price: '1.00' },
    });
    await client.getTickerPrices('spot', 'BTCUSDT');
    expect(client.weight('spot').usedWeight1m).toBe(4321);
    const gauge = await metrics.exchangeUsedWeight.get();
    expect(gauge.values.find((v) => v.labels.market === 'spot')?.value).toBe(4321);
    const counter = await metrics.exchangeRequests.get();
    const ok = counter.values.find(
      (v) => v.labels.market === 'spot' && v.labels.endpoint === 'ticker/price' && v.labels.outcome === 'ok',
    );
    expect(ok?.value).toBeGreaterThanOrEqual(1);
  });

  it('maps -1121 from Binance to EXCHANGE_INVALID_SYMBOL with the code in context', async () => {
    const err = await rejection(client.getOrderBook('spot', 'NOSUCHCOIN'));
    expect(isTradecacheError(err, ErrorCodes.EXCHANGE_INVALID_SYMBOL)).toBe(true);
    expect((err as { context: unknown }).context).toMatchObject({
      binanceCode: -1121,
      status: 400,
      market: 'spot',
      endpoint: 'depth',
    });
  });

  it('rejects a 200 answer that is not JSON, or not the expected shape, as a bad response', async () => {
    server.failNext('/api/v3/exchangeInfo', { status: 200, body: '<html><body>maintenance</body></html>' });
    const html = await rejection(client.getMarkets('spot'));
    expect(isTradecacheError(html, ErrorCodes.EXCHANGE_BAD_RESPONSE)).toBe(true);
    server.failNext('/fapi/v1/exchangeInfo', { status: 200, body: { symbols: 'x' } });
    const shape = await rejection(client.getMarkets('futures'));
    expect(isTradecacheError(shape, ErrorCodes.EXCHANGE_BAD_RESPONSE)).toBe(true);
    expect((shape as { context: unknown }).context).toMatchObject({
      market: 'futures',
      endpoint: 'exchangeInfo',
    });
  });
});

describe('input checks happen before any request', () => {
  it.each([
    ['a lowercase symbol', () => client.getOrderBook('spot', 'btcusdt'), ErrorCodes.EXCHANGE_BAD_REQUEST],
    [
      'a symbol over 20 characters',
      () => client.getRecentTrades('spot', 'A'.repeat(21)),
      ErrorCodes.EXCHANGE_BAD_REQUEST,
    ],
    ['an empty ticker symbol', () => client.getTickerPrices('spot', ''), ErrorCodes.EXCHANGE_BAD_REQUEST],
    [
      'an unknown interval',
      () => client.getKlines('spot', { symbol: 'BTCUSDT', interval: '7m' as KlineInterval }),
      ErrorCodes.EXCHANGE_INVALID_INTERVAL,
    ],
    [
      '1s klines on futures',
      () => client.getKlines('futures', { symbol: 'BTCUSDT', interval: '1s' }),
      ErrorCodes.EXCHANGE_INVALID_INTERVAL,
    ],
    [
      '1001 spot klines',
      () => client.getKlines('spot', { symbol: 'BTCUSDT', interval: '1m', limit: 1001 }),
      ErrorCodes.EXCHANGE_BAD_REQUEST,
    ],
    [
      '1501 futures klines',
      () => client.getKlines('futures', { symbol: 'BTCUSDT', interval: '1m', limit: 1501 }),
      ErrorCodes.EXCHANGE_BAD_REQUEST,
    ],
    [
      'a start after the end',
      () => client.getKlines('spot', { symbol: 'BTCUSDT', interval: '1m', startTime: 2, endTime: 1 }),
      ErrorCodes.EXCHANGE_BAD_REQUEST,
    ],
    [
      'a zero depth limit',
      () => client.getOrderBook('futures', 'BTCUSDT', 0),
      ErrorCodes.EXCHANGE_BAD_REQUEST,
    ],
  ])('refuses %s', async (_name, call, code) => {
    const total = () =>
      ['/api/v3/', '/fapi/v1/']
        .flatMap((p) => ['klines', 'depth', 'trades', 'ticker/price'].map((e) => server.count(`${p}${e}`)))
        .reduce((a, b) => a + b, 0);
    const before = total();
    const err = await rejection(call());
    expect(isTradecacheError(err, code)).toBe(true);
    expect(total()).toBe(before);
  });

  it('accepts 1500 futures klines, the futures maximum', async () => {
    await expect(
      client.getKlines('futures', { symbol: 'BTCUSDT', interval: '1m', limit: 1500 }),
    ).resolves.toHaveLength(10);
  });
});
