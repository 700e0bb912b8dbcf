import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedExchange, startSimulatedExchange } from '../../src/exchange/simulated/index.ts';

/**
 * The simulated exchange's book tickers, aggregate trades and premium index agree with the rest
 * of its moving market (depth, trades, klines, prices) at the same instant.
 */

// A fixed clock makes every endpoint answer for the same instant.
const NOW = Date.UTC(2026, 10, 20, 12, 34, 56, 789);
const EIGHT_HOURS = 8 * 3_600_000;

type Level = [string, string];
interface Depth {
  lastUpdateId: number;
  T?: number;
  bids: Level[];
  asks: Level[];
}
interface Quote {
  symbol: string;
  bidPrice: string;
  bidQty: string;
  askPrice: string;
  askQty: string;
  time?: number;
  lastUpdateId?: number;
}
interface Agg {
  a: number;
  p: string;
  q: string;
  f: number;
  l: number;
  T: number;
  m: boolean;
  M?: boolean;
}
interface TradeRow {
  id: number;
  price: string;
  qty: string;
  time: number;
  isBuyerMaker: boolean;
}
type KlineRow = [number, string, string, string, string, string, number, ...unknown[]];
interface Premium {
  symbol: string;
  markPrice: string;
  indexPrice: string;
  estimatedSettlePrice: string;
  lastFundingRate: string;
  interestRate: string;
  nextFundingTime: number;
  time: number;
}

/** Exact decimal-string arithmetic for the checks (never a float for a price). */
const SCALE = 12;
function scaled(text: string): bigint {
  const [whole = '0', frac = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole + frac.padEnd(SCALE, '0').slice(0, SCALE));
  return text.startsWith('-') ? -value : value;
}
const abs = (x: bigint) => (x < 0n ? -x : x);

let ex: SimulatedExchange;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(ex.url + path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
async function refusal(path: string): Promise<{ status: number; code: number }> {
  const res = await fetch(ex.url + path);
  const body = (await res.json()) as { code: number };
  return { status: res.status, code: body.code };
}

beforeAll(async () => {
  ex = await startSimulatedExchange({ seed: 42, now: () => NOW });
});
afterAll(async () => {
  await ex.close();
});

describe('simulated book tickers', () => {
  it.each([
    ['/api/v3', 'BTCUSDT'],
    ['/api/v3', 'ETHBTC'],
    ['/fapi/v1', 'BTCUSDT'],
    ['/fapi/v1', 'DOGEUSDT'],
  ])('%s %s: the best bid and ask of the depth book, bid below ask', async (prefix, symbol) => {
    const quote = await get<Quote>(`${prefix}/ticker/bookTicker?symbol=${symbol}`);
    const book = await get<Depth>(`${prefix}/depth?symbol=${symbol}&limit=5`);
    expect([quote.bidPrice, quote.bidQty]).toEqual(book.bids[0]);
    expect([quote.askPrice, quote.askQty]).toEqual(book.asks[0]);
    expect(scaled(quote.bidPrice) < scaled(quote.askPrice)).toBe(true);
    if (prefix === '/fapi/v1') {
      expect(quote.lastUpdateId).toBe(book.lastUpdateId);
      expect(quote.time).toBe(book.T);
    } else {
      expect(Object.keys(quote)).toEqual(['symbol', 'bidPrice', 'bidQty', 'askPrice', 'askQty']);
    }
  });

  it('answers every symbol without `symbol`, and the listed ones for `symbols`', async () => {
    const spot = await get<Quote[]>('/api/v3/ticker/bookTicker');
    const prices = await get<{ symbol: string }[]>('/api/v3/ticker/price');
    expect(spot.map((q) => q.symbol)).toEqual(prices.map((p) => p.symbol));
    const two = await get<Quote[]>(
      `/api/v3/ticker/bookTicker?symbols=${encodeURIComponent('["ETHUSDT","BTCUSDT"]')}`,
    );
    expect(two.map((q) => q.symbol)).toEqual(['ETHUSDT', 'BTCUSDT']);
    const futures = await get<Quote[]>('/fapi/v1/ticker/bookTicker');
    expect(futures.length).toBeGreaterThanOrEqual(100);
    for (const q of spot.filter((x) => scaled(x.bidPrice) > 0n)) {
      expect(scaled(q.bidPrice) < scaled(q.askPrice), q.symbol).toBe(true);
    }
  });

  it('shows a halted symbol’s empty book as zeros, like the 24h ticker does', async () => {
    const all = await get<Quote[]>('/api/v3/ticker/bookTicker');
    const halted = all.find((q) => q.symbol.endsWith('BUSD'));
    expect(halted).toMatchObject({ bidPrice: '0.00000000', askPrice: '0.00000000', bidQty: '0.00000000' });
  });
});

describe('simulated aggregate trades', () => {
  it.each(['/api/v3', '/fapi/v1'])(
    '%s: the latest aggregates are the latest trades, one trade each',
    async (prefix) => {
      const aggs = await get<Agg[]>(`${prefix}/aggTrades?symbol=BTCUSDT&limit=200`);
      const trades = await get<TradeRow[]>(`${prefix}/trades?symbol=BTCUSDT&limit=200`);
      expect(aggs).toHaveLength(200);
      expect(aggs.map((a) => [a.a, a.p, a.q, a.f, a.l, a.T, a.m])).toEqual(
        trades.map((t) => [t.id, t.price, t.qty, t.id, t.id, t.time, t.isBuyerMaker]),
      );
      aggs.forEach((a, i) => {
        if (i > 0) expect(a.a).toBe((aggs[i - 1]?.a ?? 0) + 1);
      });
      expect(aggs.every((a) => a.T <= NOW)).toBe(true);
      // Spot adds the best-match flag; futures do not send it.
      expect(aggs.every((a) => (prefix === '/api/v3' ? a.M === true : !('M' in a)))).toBe(true);
    },
  );

  it('pages with fromId without gaps or repeats', async () => {
    const latest = await get<Agg[]>('/api/v3/aggTrades?symbol=ETHUSDT&limit=300');
    const start = latest[0]?.a ?? 0;
    const page1 = await get<Agg[]>(`/api/v3/aggTrades?symbol=ETHUSDT&fromId=${start}&limit=120`);
    const page2 = await get<Agg[]>(
      `/api/v3/aggTrades?symbol=ETHUSDT&fromId=${(page1.at(-1)?.a ?? 0) + 1}&limit=180`,
    );
    expect([...page1, ...page2]).toEqual(latest);
    // Past the newest trade there is nothing yet.
    expect(
      await get<Agg[]>(`/api/v3/aggTrades?symbol=ETHUSDT&fromId=${(latest.at(-1)?.a ?? 0) + 1}`),
    ).toEqual([]);
  });

  it('selects a time window inclusively, and with only endTime the latest up to it', async () => {
    const trades = await get<TradeRow[]>('/fapi/v1/trades?symbol=SOLUSDT&limit=1000');
    const from = trades[100]?.time ?? 0;
    const to = trades[250]?.time ?? 0;
    const window = await get<Agg[]>(
      `/fapi/v1/aggTrades?symbol=SOLUSDT&startTime=${from}&endTime=${to}&limit=1000`,
    );
    expect(window.map((a) => a.a)).toEqual(trades.slice(100, 251).map((t) => t.id));
    const upTo = await get<Agg[]>(`/fapi/v1/aggTrades?symbol=SOLUSDT&endTime=${to}&limit=50`);
    expect(upTo.map((a) => a.a)).toEqual(trades.slice(201, 251).map((t) => t.id));
  });

  it('keeps a closed minute’s aggregates inside that minute’s kline, prices within its low..high', async () => {
    const klines = await get<KlineRow[]>(
      `/api/v3/klines?symbol=LINKUSDT&interval=1m&endTime=${NOW - 120_000}&limit=5`,
    );
    for (const [openTime, , high, low, , , closeTime] of klines) {
      const aggs = await get<Agg[]>(
        `/api/v3/aggTrades?symbol=LINKUSDT&startTime=${openTime}&endTime=${closeTime}&limit=1000`,
      );
      expect(aggs.length).toBeGreaterThan(0);
      expect(aggs.length).toBeLessThan(1000);
      for (const a of aggs) {
        expect(a.T >= openTime && a.T <= closeTime).toBe(true);
        expect(scaled(a.p) >= scaled(low) && scaled(a.p) <= scaled(high), `${a.p} in ${low}..${high}`).toBe(
          true,
        );
      }
    }
  });

  it.each([
    ['a window of an hour', `startTime=${NOW - 3_600_000}&endTime=${NOW}`, -1127],
    ['a reversed window', `startTime=${NOW}&endTime=${NOW - 1}`, -1023],
    ['a fromId that is not a number', 'fromId=abc', -1100],
    ['a limit of zero', 'limit=0', -1130],
  ])('refuses %s with Binance’s code', async (_name, query, code) => {
    expect(await refusal(`/api/v3/aggTrades?symbol=BTCUSDT&${query}`)).toEqual({ status: 400, code });
  });

  it('refuses a missing symbol (-1102) and an unknown one (-1121)', async () => {
    expect(await refusal('/fapi/v1/aggTrades')).toEqual({ status: 400, code: -1102 });
    expect(await refusal('/fapi/v1/aggTrades?symbol=NOSUCHUSDT')).toEqual({ status: 400, code: -1121 });
  });
});

describe('simulated premium index', () => {
  it('marks a perpetual at a small basis to its index, the index at the spot price, the mark at the contract price', async () => {
    const premium = await get<Premium>('/fapi/v1/premiumIndex?symbol=BTCUSDT');
    const futuresPrice = await get<{ price: string }>('/fapi/v1/ticker/price?symbol=BTCUSDT');
    const spotPrice = await get<{ price: string }>('/api/v3/ticker/price?symbol=BTCUSDT');
    const mark = scaled(premium.markPrice);
    const index = scaled(premium.indexPrice);
    expect(mark).not.toBe(index);
    // |mark − index| < 0.1 % of the index.
    expect(abs(mark - index) * 1000n < index).toBe(true);
    // The ticker is the mark rounded to the 0.1 tick; the index is the spot price before its 0.01 tick.
    expect(abs(mark - scaled(futuresPrice.price)) <= scaled('0.05')).toBe(true);
    expect(abs(index - scaled(spotPrice.price)) <= scaled('0.005')).toBe(true);
    expect(premium.time).toBe(NOW);
    expect(premium.nextFundingTime % EIGHT_HOURS).toBe(0);
    expect(premium.nextFundingTime > NOW && premium.nextFundingTime <= NOW + EIGHT_HOURS).toBe(true);
    expect(premium.lastFundingRate).toMatch(/^-?\d+\.\d{8}$/);
    expect(premium.interestRate).toBe('0.00010000');
  });

  it('lists every contract without `symbol`; delivery contracts carry no funding', async () => {
    const all = await get<Premium[]>('/fapi/v1/premiumIndex');
    const contracts = await get<{ symbols: { symbol: string }[] }>('/fapi/v1/exchangeInfo');
    expect(all.map((p) => p.symbol)).toEqual(contracts.symbols.map((s) => s.symbol));
    const delivery = all.find((p) => p.symbol.includes('_'));
    expect(delivery).toMatchObject({ lastFundingRate: '', interestRate: '', nextFundingTime: 0 });
  });

  it('exists only on futures', async () => {
    const res = await fetch(`${ex.url}/api/v3/premiumIndex?symbol=BTCUSDT`);
    expect(res.status).toBe(404);
    // Even a 404 tells the simulator's time, never the host's.
    expect(res.headers.get('date')).toBe(new Date(NOW).toUTCString());
  });
});

describe('simulated server clock', () => {
  it('stamps every answer with its own clock in the Date header, and /time with the same instant', async () => {
    const res = await fetch(`${ex.url}/api/v3/time`);
    expect(res.headers.get('date')).toBe(new Date(NOW).toUTCString());
    expect(await res.json()).toEqual({ serverTime: NOW });
    const futures = await fetch(`${ex.url}/fapi/v1/ticker/bookTicker?symbol=BTCUSDT`);
    expect(futures.headers.get('date')).toBe(new Date(NOW).toUTCString());
  });
});
