import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isTradecacheError } from '../../src/errors.ts';
import { type BinanceClient, createBinanceClient } from '../../src/exchange/binance/index.ts';
import { BINANCE_FIXTURES, type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

const spotFile = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(BINANCE_FIXTURES, 'spot/rest', name), 'utf8'));

/** The documented premiumIndex row shape; no real body was recorded, so this test serves its own. */
const premiumRow = (symbol: string) => ({
  symbol,
  markPrice: '11793.63104562',
  indexPrice: '11781.80495970',
  estimatedSettlePrice: '11781.16138815',
  lastFundingRate: '0.00038246',
  interestRate: '0.00010000',
  nextFundingTime: 1597392000000,
  time: 1597370495002,
});

let server: ReplayServer;
let client: BinanceClient;

beforeAll(async () => {
  server = await startReplayServer({
    routes: {
      '/fapi/v1/premiumIndex': (q) => {
        const symbol = q.get('symbol');
        return {
          status: 200,
          body: symbol ? premiumRow(symbol) : [premiumRow('BTCUSDT'), premiumRow('ETHUSDT')],
        };
      },
    },
  });
  client = createBinanceClient({ spotUrl: server.url, futuresUrl: server.url, maxRetries: 0 });
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

describe('book tickers, premium index, aggregate trades and server time against replayed bodies', () => {
  it('fetches one symbol’s book ticker with the symbol on the query string', async () => {
    expect(await client.getBookTickers('spot', 'BTCUSDT')).toEqual([
      {
        symbol: 'BTCUSDT',
        bidPrice: '60741.67000000',
        bidQty: '0.36580000',
        askPrice: '60741.68000000',
        askQty: '0.45178000',
      },
    ]);
    expect(server.lastQuery('/api/v3/ticker/bookTicker')?.get('symbol')).toBe('BTCUSDT');
    expect(await client.getBookTickers('futures', 'BTCUSDT')).toHaveLength(1);
    expect(server.count('/fapi/v1/ticker/bookTicker')).toBe(1);
  });

  it('fetches aggregate trades, newest `limit` by default, and sends fromId or a time window as given', async () => {
    const recorded = spotFile('aggTrades.BTCUSDT.2021-10-22.json') as { a: number }[];
    const latest = await client.getAggTrades('spot', { symbol: 'BTCUSDT', limit: 3 });
    expect(latest.map((t) => t.id)).toEqual(recorded.slice(-3).map((r) => r.a));
    await client.getAggTrades('futures', { symbol: 'BTCUSDT', fromId: 966492862, limit: 1000 });
    expect(Object.fromEntries(server.lastQuery('/fapi/v1/aggTrades') ?? [])).toEqual({
      symbol: 'BTCUSDT',
      fromId: '966492862',
      limit: '1000',
    });
    await client.getAggTrades('spot', {
      symbol: 'BTCUSDT',
      startTime: 1634944096633,
      endTime: 1634944098216,
    });
    expect(Object.fromEntries(server.lastQuery('/api/v3/aggTrades') ?? [])).toEqual({
      symbol: 'BTCUSDT',
      startTime: '1634944096633',
      endTime: '1634944098216',
    });
  });

  it('reads the server time and the futures premium index, one or all', async () => {
    expect(await client.getServerTime('spot')).toBe(1633835466289);
    const [one] = await client.getPremiumIndex('futures', 'BTCUSDT');
    expect(one).toEqual(premiumRow('BTCUSDT'));
    expect(server.lastQuery('/fapi/v1/premiumIndex')?.get('symbol')).toBe('BTCUSDT');
    expect((await client.getPremiumIndex('futures')).map((p) => p.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('refuses a spot premium index without sending anything: spot has no mark price or funding', async () => {
    const err = await rejection(client.getPremiumIndex('spot', 'BTCUSDT'));
    expect(isTradecacheError(err, ErrorCodes.EXCHANGE_BAD_REQUEST)).toBe(true);
    expect((err as Error).message).toMatch(/only for futures/);
    expect(server.count('/api/v3/premiumIndex')).toBe(0);
  });

  it('rejects a 200 answer of the wrong shape as a bad response naming the endpoint', async () => {
    server.failNext('/api/v3/ticker/bookTicker', {
      status: 200,
      body: { symbol: 'BTCUSDT', bidPrice: 60741.67, bidQty: '1', askPrice: '2', askQty: '1' },
    });
    const err = await rejection(client.getBookTickers('spot', 'BTCUSDT'));
    expect(isTradecacheError(err, ErrorCodes.EXCHANGE_BAD_RESPONSE)).toBe(true);
    expect((err as { context: unknown }).context).toMatchObject({
      market: 'spot',
      endpoint: 'ticker/bookTicker',
    });
    server.failNext('/fapi/v1/aggTrades', {
      status: 200,
      body: [{ a: 1, p: '1', q: '1', f: 5, l: 4, T: 1, m: true }],
    });
    const reversed = await rejection(client.getAggTrades('futures', { symbol: 'BTCUSDT' }));
    expect(isTradecacheError(reversed, ErrorCodes.EXCHANGE_BAD_RESPONSE)).toBe(true);
  });

  it('maps -1121 on an unknown symbol to EXCHANGE_INVALID_SYMBOL', async () => {
    const err = await rejection(client.getAggTrades('spot', { symbol: 'NOSUCHCOIN' }));
    expect(isTradecacheError(err, ErrorCodes.EXCHANGE_INVALID_SYMBOL)).toBe(true);
  });
});

describe('the exchange clock from Date headers', () => {
  it('learns the exchange’s clock from an answer’s Date header, and not from a 5xx (a proxy’s clock)', async () => {
    const fresh = createBinanceClient({ spotUrl: server.url, futuresUrl: server.url, maxRetries: 0 });
    const hourAhead = Date.now() + 3_600_000;
    server.failNext('/fapi/v1/ticker/bookTicker', {
      status: 502,
      headers: { date: new Date(hourAhead).toUTCString() },
      body: '<html>Bad Gateway</html>',
    });
    await rejection(fresh.getBookTickers('futures', 'BTCUSDT'));
    expect(fresh.serverTimeOffset('futures')).toBeNull();

    server.failNext('/fapi/v1/ticker/bookTicker', {
      status: 200,
      headers: { date: new Date(hourAhead).toUTCString() },
      body: spotFile('ticker_bookTicker.BTCUSDT.2021-10-22.json'),
    });
    await fresh.getBookTickers('futures', 'BTCUSDT');
    const offset = fresh.serverTimeOffset('futures');
    expect(offset?.source).toBe('date-header');
    expect(Math.abs((offset?.offsetMs ?? 0) - 3_600_000)).toBeLessThanOrEqual(offset?.uncertaintyMs ?? 0);
    const serverNow = fresh.serverNow('futures') ?? 0;
    expect(serverNow - Date.now()).toBeGreaterThan(3_598_000);
    expect(serverNow - Date.now()).toBeLessThanOrEqual(3_600_000);
    // Spot is another host with its own clock: nothing learnt yet.
    expect(fresh.serverNow('spot')).toBeNull();
  });
});

describe('aggTrades input checks happen before any request', () => {
  it.each([
    ['a lowercase symbol', { symbol: 'btcusdt' }],
    ['a limit over 1000', { symbol: 'BTCUSDT', limit: 1001 }],
    ['a zero limit', { symbol: 'BTCUSDT', limit: 0 }],
    ['a negative fromId', { symbol: 'BTCUSDT', fromId: -1 }],
    ['a fractional fromId', { symbol: 'BTCUSDT', fromId: 1.5 }],
    ['a start after the end', { symbol: 'BTCUSDT', startTime: 2, endTime: 1 }],
    ['a window of one hour', { symbol: 'BTCUSDT', startTime: 0, endTime: 3_600_000 }],
  ])('refuses %s', async (_name, query) => {
    const before = server.count('/api/v3/aggTrades') + server.count('/fapi/v1/aggTrades');
    for (const market of ['spot', 'futures'] as const) {
      const err = await rejection(client.getAggTrades(market, query));
      expect(isTradecacheError(err, ErrorCodes.EXCHANGE_BAD_REQUEST)).toBe(true);
    }
    expect(server.count('/api/v3/aggTrades') + server.count('/fapi/v1/aggTrades')).toBe(before);
  });

  it('accepts a window just under one hour and refuses bad book-ticker symbols before sending', async () => {
    await expect(
      client.getAggTrades('spot', { symbol: 'BTCUSDT', startTime: 0, endTime: 3_599_999 }),
    ).resolves.toBeInstanceOf(Array);
    const before = server.count('/api/v3/ticker/bookTicker');
    const err = await rejection(client.getBookTickers('spot', 'BTC/USDT'));
    expect(isTradecacheError(err, ErrorCodes.EXCHANGE_BAD_REQUEST)).toBe(true);
    expect(server.count('/api/v3/ticker/bookTicker')).toBe(before);
  });
});
