import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedExchange, startSimulatedExchange } from '../../src/exchange/simulated/index.ts';

type Row = [number, string, string, string, string, string, number, string, number, string, string, string];
interface SymbolInfo {
  symbol: string;
  status: string;
  baseAsset: string;
  quoteAsset: string;
  contractType?: string;
  deliveryDate?: number;
  filters: Array<Record<string, unknown>>;
}

const HOUR = 3_600_000;
// A fixed clock makes serverTime and the still-open candle reproducible.
const NOW = Date.UTC(2026, 10, 20, 12, 34, 56, 789);
const servers: SimulatedExchange[] = [];
let ex: SimulatedExchange;

async function start(seed = 42, now = () => NOW, weightLimitPerMinute?: number) {
  const server = await startSimulatedExchange({
    seed,
    now,
    ...(weightLimitPerMinute ? { weightLimitPerMinute } : {}),
  });
  servers.push(server);
  return server;
}
async function getJson<T = unknown>(
  server: SimulatedExchange,
  path: string,
): Promise<{ status: number; body: T; res: Response }> {
  const res = await fetch(server.url + path);
  return { status: res.status, body: (await res.json()) as T, res };
}
async function getText(server: SimulatedExchange, path: string): Promise<string> {
  return (await fetch(server.url + path)).text();
}

beforeAll(async () => {
  ex = await start();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('simulated exchange: deterministic universe', () => {
  it('serves byte-identical exchangeInfo and klines for the same seed, and different ones for another seed', async () => {
    const twin = await start(42);
    const other = await start(7);
    const paths = [
      '/api/v3/exchangeInfo',
      '/fapi/v1/exchangeInfo',
      '/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=1700000000000&limit=50',
      '/fapi/v1/klines?symbol=ETHUSDT&interval=1d&limit=30',
    ];
    for (const path of paths) {
      const mine = await getText(ex, path);
      expect(await getText(twin, path)).toBe(mine);
      expect(await getText(other, path)).not.toBe(mine);
    }
  });

  it('lists at least 300 spot and 100 perpetual symbols with real names, non-USDT quotes and non-TRADING ones', async () => {
    const spot = (await getJson<{ symbols: SymbolInfo[] }>(ex, '/api/v3/exchangeInfo')).body.symbols;
    const futures = (await getJson<{ symbols: SymbolInfo[] }>(ex, '/fapi/v1/exchangeInfo')).body.symbols;
    expect(spot.length).toBeGreaterThanOrEqual(300);
    expect(new Set(spot.map((s) => s.symbol)).size).toBe(spot.length);
    expect(futures.filter((s) => s.contractType === 'PERPETUAL').length).toBeGreaterThanOrEqual(100);
    for (const name of [
      'BTCUSDT',
      'ETHUSDT',
      'BNBUSDT',
      'SOLUSDT',
      'XRPUSDT',
      'ADAUSDT',
      'DOGEUSDT',
      'ETHBTC',
    ]) {
      expect(spot.find((s) => s.symbol === name)?.status).toBe('TRADING');
    }
    const quotes = new Set(spot.map((s) => s.quoteAsset));
    for (const quote of ['USDT', 'BTC', 'ETH', 'FDUSD', 'EUR']) expect(quotes).toContain(quote);
    expect(spot.some((s) => s.status === 'BREAK')).toBe(true);
    expect(futures.some((s) => s.status === 'SETTLING')).toBe(true);

    const btc = spot.find((s) => s.symbol === 'BTCUSDT')!;
    const filterTypes = btc.filters.map((f) => f.filterType);
    expect(filterTypes).toEqual(expect.arrayContaining(['PRICE_FILTER', 'LOT_SIZE', 'NOTIONAL']));
    expect(btc.filters.find((f) => f.filterType === 'PRICE_FILTER')?.tickSize).toMatch(
      /^0\.0*1$|^\d+\.\d{8}$/,
    );

    const delivery = futures.find((s) => s.symbol === 'BTCUSDT_261225')!;
    expect(delivery.contractType).toBe('CURRENT_QUARTER');
    expect(delivery.deliveryDate).toBe(Date.UTC(2026, 11, 25, 8));
    const perp = futures.find((s) => s.symbol === 'BTCUSDT')!;
    expect(perp).toMatchObject({ status: 'TRADING', contractType: 'PERPETUAL', marginAsset: 'USDT' });
    expect(perp.filters.find((f) => f.filterType === 'MIN_NOTIONAL')?.notional).toMatch(/^\d+$/);
  });

  it('filters spot exchangeInfo by symbol or symbols and rejects unknown symbols with -1121', async () => {
    const one = await getJson<{ symbols: SymbolInfo[] }>(ex, '/api/v3/exchangeInfo?symbol=ETHBTC');
    expect(one.body.symbols.map((s) => s.symbol)).toEqual(['ETHBTC']);
    const list = encodeURIComponent('["BTCUSDT","SOLUSDT"]');
    const two = await getJson<{ symbols: SymbolInfo[] }>(ex, `/api/v3/exchangeInfo?symbols=${list}`);
    expect(two.body.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'SOLUSDT']);
    const bad = await getJson(ex, '/api/v3/exchangeInfo?symbol=NOPEUSDT');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
  });
});

describe('simulated exchange: klines', () => {
  const start3d = Date.UTC(2024, 2, 1);
  const end3d = start3d + 72 * HOUR - 1;

  it('returns a past range as aligned, continuous 12-column candles within startTime/endTime', async () => {
    const { body: rows } = await getJson<Row[]>(
      ex,
      `/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=${start3d + 1}&endTime=${end3d}&limit=1000`,
    );
    // startTime inside a candle: the first candle is the next one to open.
    expect(rows).toHaveLength(71);
    expect(rows[0]![0]).toBe(start3d + HOUR);
    for (const [i, row] of rows.entries()) {
      expect(row).toHaveLength(12);
      expect(row[0] % HOUR).toBe(0);
      expect(row[6]).toBe(row[0] + HOUR - 1);
      expect(row[1]).toMatch(/^\d+\.\d{8}$/);
      const [open, high, low, close] = [row[1], row[2], row[3], row[4]].map(Number) as [
        number,
        number,
        number,
        number,
      ];
      expect(high).toBeGreaterThanOrEqual(Math.max(open, close));
      expect(low).toBeLessThanOrEqual(Math.min(open, close));
      expect(Number.isInteger(row[8])).toBe(true);
      if (i > 0) expect(row[1]).toBe(rows[i - 1]![4]);
    }
  });

  it('gives the same rows when a range is asked twice or split in two requests', async () => {
    const path = (s: number, e: number) =>
      `/api/v3/klines?symbol=ETHUSDT&interval=15m&startTime=${s}&endTime=${e}`;
    const whole = await getJson<Row[]>(ex, path(start3d, end3d));
    expect(whole.body).toHaveLength(288);
    const again = await getJson<Row[]>(ex, path(start3d, end3d));
    expect(again.body).toEqual(whole.body);
    const mid = start3d + 36 * HOUR;
    const first = await getJson<Row[]>(ex, path(start3d, mid - 1));
    const second = await getJson<Row[]>(ex, path(mid, end3d));
    expect([...first.body, ...second.body]).toEqual(whole.body);
  });

  it('defaults to 500 rows and caps limit at 1000 on spot and 1500 on futures', async () => {
    const q = 'symbol=BTCUSDT&interval=1m';
    expect((await getJson<Row[]>(ex, `/api/v3/klines?${q}`)).body).toHaveLength(500);
    expect((await getJson<Row[]>(ex, `/api/v3/klines?${q}&limit=5000`)).body).toHaveLength(1000);
    expect((await getJson<Row[]>(ex, `/fapi/v1/klines?${q}&limit=5000`)).body).toHaveLength(1500);
  });

  it('ends with the still-open candle, closing at the current price, and never returns future candles', async () => {
    const { body: rows } = await getJson<Row[]>(ex, '/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=3');
    const last = rows.at(-1)!;
    expect(last[0]).toBeLessThanOrEqual(NOW);
    expect(last[6]).toBeGreaterThan(NOW);
    const price = await getJson<{ price: string }>(ex, '/api/v3/ticker/price?symbol=BTCUSDT');
    expect(last[4]).toBe(price.body.price);
    const future = await getJson<Row[]>(
      ex,
      `/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${NOW + HOUR}`,
    );
    expect(future.body).toEqual([]);
  });

  it('with only endTime returns the latest candles opening at or before it', async () => {
    const endTime = Date.UTC(2025, 0, 10, 5, 30);
    const { body: rows } = await getJson<Row[]>(
      ex,
      `/fapi/v1/klines?symbol=SOLUSDT&interval=1h&endTime=${endTime}&limit=10`,
    );
    expect(rows).toHaveLength(10);
    expect(rows.at(-1)![0]).toBe(Date.UTC(2025, 0, 10, 5));
  });

  it('builds 1M candles on calendar months (UTC) and 1w candles on Mondays', async () => {
    const monthly = await getJson<Row[]>(
      ex,
      `/api/v3/klines?symbol=BTCUSDT&interval=1M&startTime=${Date.UTC(2023, 0, 1)}&limit=14`,
    );
    expect(monthly.body.map((r) => new Date(r[0]).toISOString().slice(0, 10))).toEqual(
      Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2023, i, 1)).toISOString().slice(0, 10)),
    );
    expect(monthly.body[1]![6]).toBe(Date.UTC(2023, 2, 1) - 1);
    const weekly = await getJson<Row[]>(ex, '/api/v3/klines?symbol=BTCUSDT&interval=1w&limit=5');
    for (const row of weekly.body) expect(new Date(row[0]).getUTCDay()).toBe(1);
  });

  it('rejects bad parameters with the Binance error codes', async () => {
    const cases: Array<[string, number]> = [
      ['/api/v3/klines?symbol=NOPEUSDT&interval=1m', -1121],
      ['/api/v3/klines?symbol=BTCUSDT&interval=7m', -1120],
      ['/fapi/v1/klines?symbol=BTCUSDT&interval=1s', -1120],
      ['/api/v3/klines?symbol=btc%20usdt&interval=1m', -1100],
      ['/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=0', -1130],
      ['/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=ten', -1130],
      ['/api/v3/klines?interval=1m', -1102],
      ['/fapi/v1/depth?symbol=NOPEUSDT', -1121],
    ];
    for (const [path, code] of cases) {
      const { status, body } = await getJson<{ code: number; msg: string }>(ex, path);
      expect(status, path).toBe(400);
      expect(body.code, path).toBe(code);
      expect(typeof body.msg).toBe('string');
    }
    expect((await fetch(`${ex.url}/api/v3/nothing-here`)).status).toBe(404);
  });
});

describe('simulated exchange: book, trades and tickers', () => {
  it('serves a depth snapshot with bids below and asks above the current price', async () => {
    const { body } = await getJson<{
      lastUpdateId: number;
      bids: [string, string][];
      asks: [string, string][];
    }>(ex, '/api/v3/depth?symbol=BTCUSDT&limit=20');
    const price = Number(
      (await getJson<{ price: string }>(ex, '/api/v3/ticker/price?symbol=BTCUSDT')).body.price,
    );
    expect(body.bids).toHaveLength(20);
    expect(body.asks).toHaveLength(20);
    expect(Number(body.bids[0]![0])).toBeLessThanOrEqual(price);
    expect(Number(body.asks[0]![0])).toBeGreaterThan(Number(body.bids[0]![0]));
    for (let i = 1; i < 20; i++) {
      expect(Number(body.bids[i]![0])).toBeLessThan(Number(body.bids[i - 1]![0]));
      expect(Number(body.asks[i]![0])).toBeGreaterThan(Number(body.asks[i - 1]![0]));
    }
    const fut = await getJson<Record<string, unknown>>(ex, '/fapi/v1/depth?symbol=BTCUSDT&limit=5');
    expect(fut.body).toMatchObject({ E: NOW });
  });

  it('serves recent trades with increasing ids and times up to now', async () => {
    const { body } = await getJson<Array<{ id: number; time: number; price: string; isBestMatch?: boolean }>>(
      ex,
      '/api/v3/trades?symbol=ETHUSDT&limit=50',
    );
    expect(body).toHaveLength(50);
    for (let i = 1; i < body.length; i++) {
      expect(body[i]!.id).toBe(body[i - 1]!.id + 1);
      expect(body[i]!.time).toBeGreaterThan(body[i - 1]!.time);
    }
    expect(body.at(-1)!.time).toBeLessThanOrEqual(NOW);
    const fut = await getJson<Array<Record<string, unknown>>>(ex, '/fapi/v1/trades?symbol=ETHUSDT&limit=1');
    expect(fut.body[0]).not.toHaveProperty('isBestMatch');
  });

  it('serves 24h tickers for all symbols, with zero rows for halted spot pairs', async () => {
    const { body } = await getJson<
      Array<{ symbol: string; lastPrice: string; count: number; firstId: number }>
    >(ex, '/api/v3/ticker/24hr');
    const info = (await getJson<{ symbols: SymbolInfo[] }>(ex, '/api/v3/exchangeInfo')).body.symbols;
    expect(body).toHaveLength(info.length);
    const halted = info.find((s) => s.status === 'BREAK')!;
    expect(body.find((t) => t.symbol === halted.symbol)).toMatchObject({ count: 0, firstId: -1 });
    expect(Number(body.find((t) => t.symbol === 'BTCUSDT')!.lastPrice)).toBeGreaterThan(0);
    const fut = await getJson<{ symbol: string; lastPrice: string }>(
      ex,
      '/fapi/v1/ticker/24hr?symbol=BTCUSDT',
    );
    expect(fut.body).not.toHaveProperty('prevClosePrice');
  });
});

describe('simulated exchange: request weight', () => {
  it('reports used weight on every response and answers 429 with Retry-After past the limit', async () => {
    let now = Date.UTC(2026, 0, 5, 10, 0, 15);
    const small = await start(42, () => now, 10);
    const first = await fetch(`${small.url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5`);
    expect(first.headers.get('x-mbx-used-weight-1m')).toBe('2');
    expect(first.headers.get('x-mbx-used-weight')).toBe('2');
    const error = await fetch(`${small.url}/api/v3/klines?symbol=NOPE&interval=1m`);
    expect(error.headers.get('x-mbx-used-weight-1m')).toBe('4');
    for (let i = 0; i < 3; i++) await fetch(`${small.url}/api/v3/time`);
    const blocked = await fetch(`${small.url}/api/v3/depth?symbol=BTCUSDT`);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('45');
    expect(await blocked.json()).toMatchObject({ code: -1003 });
    // Futures weight is counted separately, like a separate Binance host.
    expect((await fetch(`${small.url}/fapi/v1/time`)).status).toBe(200);
    now += 45_000;
    const fresh = await fetch(`${small.url}/api/v3/time`);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-mbx-used-weight-1m')).toBe('1');
  });
});
