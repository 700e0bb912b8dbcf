import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BinanceClient, createBinanceClient } from '../../src/exchange/binance/index.ts';
import { type SimulatedExchange, startSimulatedExchange } from '../../src/exchange/simulated/index.ts';
import type { WeightedEndpoint, WeightParams } from '../../src/trading/exchange-client.ts';
import type { MarketType } from '../../src/trading/markets.ts';

/**
 * The Binance client against the simulated exchange: the new calls parse its answers, each call
 * costs exactly the weight the client's table says (the simulator charges Binance's documented
 * weights), and the client learns the exchange's clock from the simulator's Date header.
 */

const NOW = Date.UTC(2026, 10, 20, 12, 34, 56, 789);
const servers: SimulatedExchange[] = [];
let fixedSim: SimulatedExchange;
let client: BinanceClient;

async function start(now: () => number): Promise<SimulatedExchange> {
  // A high limit so the weight test never meets a 429.
  const sim = await startSimulatedExchange({ seed: 42, now, weightLimitPerMinute: 1_000_000 });
  servers.push(sim);
  return sim;
}

beforeAll(async () => {
  fixedSim = await start(() => NOW);
  client = createBinanceClient({ spotUrl: fixedSim.url, futuresUrl: fixedSim.url, maxRetries: 0 });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('client calls against the simulated exchange', () => {
  it('reads book tickers: spot without a time, futures with the book’s time and update id', async () => {
    const [spot] = await client.getBookTickers('spot', 'BTCUSDT');
    expect(spot?.symbol).toBe('BTCUSDT');
    expect(spot?.time).toBeUndefined();
    const futures = await client.getBookTickers('futures');
    expect(futures.length).toBeGreaterThanOrEqual(100);
    const btc = futures.find((q) => q.symbol === 'BTCUSDT');
    expect(btc?.time).toBeLessThanOrEqual(NOW);
    const book = await client.getOrderBook('futures', 'BTCUSDT', 5);
    expect(btc?.lastUpdateId).toBe(book.lastUpdateId);
    expect([btc?.bidPrice, btc?.bidQty]).toEqual(book.bids[0]);
  });

  it('reads aggregate trades that match the recent trades', async () => {
    const aggs = await client.getAggTrades('futures', { symbol: 'ETHUSDT', limit: 50 });
    const trades = await client.getRecentTrades('futures', 'ETHUSDT', 50);
    expect(aggs.map((a) => [a.id, a.price, a.qty, a.time, a.isBuyerMaker])).toEqual(
      trades.map((t) => [t.id, t.price, t.qty, t.time, t.isBuyerMaker]),
    );
    const next = await client.getAggTrades('spot', {
      symbol: 'ETHUSDT',
      fromId: aggs[10]?.id ?? 0,
      limit: 5,
    });
    expect(next.map((a) => a.id)).toEqual(aggs.slice(10, 15).map((a) => a.id));
  });

  it('reads the premium index, perpetuals with funding and delivery contracts without', async () => {
    const all = await client.getPremiumIndex('futures');
    const perpetual = all.find((p) => p.symbol === 'BTCUSDT');
    expect(perpetual?.lastFundingRate).toMatch(/^-?\d+\.\d{8}$/);
    expect(perpetual?.nextFundingTime).toBeGreaterThan(NOW);
    expect(perpetual?.time).toBe(NOW);
    const delivery = all.find((p) => p.symbol.includes('_'));
    expect(delivery).toMatchObject({ lastFundingRate: null, interestRate: null, nextFundingTime: null });
  });

  it('reads the server time of each market', async () => {
    expect(await client.getServerTime('spot')).toBe(NOW);
    expect(await client.getServerTime('futures')).toBe(NOW);
  });
});

describe('request weight', () => {
  const calls: Array<[MarketType, WeightedEndpoint, WeightParams, () => Promise<unknown>]> = [
    ['spot', 'ticker/bookTicker', { symbol: 'BTCUSDT' }, () => client.getBookTickers('spot', 'BTCUSDT')],
    ['spot', 'ticker/bookTicker', {}, () => client.getBookTickers('spot')],
    [
      'futures',
      'ticker/bookTicker',
      { symbol: 'BTCUSDT' },
      () => client.getBookTickers('futures', 'BTCUSDT'),
    ],
    ['futures', 'ticker/bookTicker', {}, () => client.getBookTickers('futures')],
    ['futures', 'premiumIndex', { symbol: 'BTCUSDT' }, () => client.getPremiumIndex('futures', 'BTCUSDT')],
    ['futures', 'premiumIndex', {}, () => client.getPremiumIndex('futures')],
    ['spot', 'aggTrades', {}, () => client.getAggTrades('spot', { symbol: 'BTCUSDT' })],
    ['futures', 'aggTrades', {}, () => client.getAggTrades('futures', { symbol: 'BTCUSDT', limit: 10 })],
    ['spot', 'time', {}, () => client.getServerTime('spot')],
    ['futures', 'time', {}, () => client.getServerTime('futures')],
    ['spot', 'ticker/price', {}, () => client.getTickerPrices('spot')],
    ['futures', 'ticker/price', { symbol: 'BTCUSDT' }, () => client.getTickerPrices('futures', 'BTCUSDT')],
    ['spot', 'ticker/24hr', {}, () => client.get24hTickers('spot')],
    ['futures', 'ticker/24hr', {}, () => client.get24hTickers('futures')],
    ['spot', 'depth', { limit: 1000 }, () => client.getOrderBook('spot', 'BTCUSDT', 1000)],
    ['spot', 'depth', {}, () => client.getOrderBook('spot', 'BTCUSDT')],
    ['futures', 'depth', { limit: 1000 }, () => client.getOrderBook('futures', 'BTCUSDT', 1000)],
    ['futures', 'depth', { limit: 20 }, () => client.getOrderBook('futures', 'BTCUSDT', 20)],
    ['spot', 'trades', {}, () => client.getRecentTrades('spot', 'BTCUSDT')],
    ['futures', 'trades', {}, () => client.getRecentTrades('futures', 'BTCUSDT')],
    ['spot', 'klines', {}, () => client.getKlines('spot', { symbol: 'BTCUSDT', interval: '1m' })],
    [
      'futures',
      'klines',
      { limit: 99 },
      () => client.getKlines('futures', { symbol: 'BTCUSDT', interval: '1m', limit: 99 }),
    ],
    [
      'futures',
      'klines',
      { limit: 1500 },
      () => client.getKlines('futures', { symbol: 'BTCUSDT', interval: '1m', limit: 1500 }),
    ],
    ['spot', 'exchangeInfo', {}, () => client.getMarkets('spot')],
    ['futures', 'exchangeInfo', {}, () => client.getMarkets('futures')],
  ];

  it.each(calls.map((c) => [`${c[0]} ${c[1]} ${JSON.stringify(c[2])}`, ...c] as const))(
    '%s costs what requestWeight says',
    async (_name, market, endpoint, params, call) => {
      await client.getServerTime(market); // so the used weight is known before the call
      const before = client.weight(market).usedWeight1m ?? 0;
      await call();
      const spent = (client.weight(market).usedWeight1m ?? 0) - before;
      expect(spent).toBe(client.requestWeight(market, endpoint, params));
    },
  );

  it('spells out the documented weights of the new calls', () => {
    expect(client.requestWeight('spot', 'ticker/bookTicker', { symbol: 'BTCUSDT' })).toBe(2);
    expect(client.requestWeight('spot', 'ticker/bookTicker')).toBe(4);
    expect(client.requestWeight('futures', 'ticker/bookTicker')).toBe(5);
    expect(client.requestWeight('futures', 'premiumIndex')).toBe(10);
    expect(client.requestWeight('spot', 'aggTrades')).toBe(4);
    expect(client.requestWeight('futures', 'aggTrades')).toBe(20);
    expect(client.requestWeight('futures', 'time')).toBe(1);
    // An endpoint the table does not know is refused rather than guessed as free.
    expect(() => client.requestWeight('spot', 'order' as WeightedEndpoint)).toThrow(
      /No known request weight/,
    );
    expect(() => client.requestWeight('spot', 'toString' as WeightedEndpoint)).toThrow(
      /No known request weight/,
    );
  });
});

describe('the exchange clock from the simulator', () => {
  it('learns an exchange clock an hour ahead from Date headers alone, then sharpens it with /time', async () => {
    const ahead = await start(() => Date.now() + 3_600_000);
    const fresh = createBinanceClient({ spotUrl: ahead.url, futuresUrl: ahead.url, maxRetries: 0 });
    expect(fresh.serverNow('spot')).toBeNull();
    await fresh.getBookTickers('spot', 'BTCUSDT');
    const fromHeader = fresh.serverTimeOffset('spot');
    expect(fromHeader?.source).toBe('date-header');
    expect(Math.abs((fromHeader?.offsetMs ?? 0) - 3_600_000)).toBeLessThanOrEqual(
      (fromHeader?.uncertaintyMs ?? 0) + 1,
    );
    // The lower bound never runs ahead of the exchange's clock.
    const lowerBound = fresh.serverNow('spot') ?? Number.POSITIVE_INFINITY;
    expect(lowerBound).toBeLessThanOrEqual(Date.now() + 3_600_000);

    const serverTime = await fresh.getServerTime('spot');
    const sharpened = fresh.serverTimeOffset('spot');
    expect(sharpened?.uncertaintyMs).toBeLessThanOrEqual(fromHeader?.uncertaintyMs ?? 0);
    expect(Math.abs((sharpened?.offsetMs ?? 0) - 3_600_000)).toBeLessThanOrEqual(
      (sharpened?.uncertaintyMs ?? 0) + 1,
    );
    expect(fresh.serverNow('spot')).toBeGreaterThanOrEqual(
      serverTime - (sharpened?.uncertaintyMs ?? 0) * 2 - 1,
    );
    expect(fresh.serverNow('futures')).toBeNull();
  });

  it('stamps with the exchange’s clock even when ours is wrong: serverNow follows the frozen sim clock', async () => {
    const frozen = createBinanceClient({ spotUrl: fixedSim.url, futuresUrl: fixedSim.url, maxRetries: 0 });
    await frozen.getTickerPrices('futures', 'BTCUSDT');
    const stamp = frozen.serverNow('futures') ?? 0;
    // The Date header has whole seconds: the stamp lies in the exchange's second, never after NOW.
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(NOW / 1000) * 1000 - 1);
    expect(stamp).toBeLessThanOrEqual(NOW);
  });
});
