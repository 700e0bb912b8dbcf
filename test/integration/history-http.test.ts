import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretScrubber } from '../../src/config/redact.ts';
import { ErrorCodes, TradecacheError } from '../../src/errors.ts';
import { BacktestService, HistoryStore, parseKlinesCsv } from '../../src/history/index.ts';
import { errorHandlerPlugin } from '../../src/http/plugins/error-handler.ts';
import { backtestRoutes } from '../../src/http/routes/backtest/index.ts';
import { HistoryFakeExchange } from '../unit/history-fake-exchange.ts';

const NOW = Date.UTC(2024, 5, 1);

describe('backtest HTTP routes', () => {
  let dir: string;
  let app: FastifyInstance;
  let exchange: HistoryFakeExchange;
  let store: HistoryStore;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'history-http-'));
    exchange = new HistoryFakeExchange(() => NOW);
    store = new HistoryStore({ dir, now: () => NOW });
    const backtest = new BacktestService({ exchange, store, now: () => NOW });
    app = Fastify();
    await app.register(errorHandlerPlugin, { scrubber: new SecretScrubber() });
    await app.register(backtestRoutes, {
      backtest,
      store,
      adminGuard: async (request) => {
        if (request.headers['x-admin'] !== 'yes')
          throw new TradecacheError(ErrorCodes.FORBIDDEN, 'admin only');
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const dataUrl = '/api/v1/backtest/data?symbol=btcusdt&interval=1h&start=2024-01-01&end=2024-01-03';

  it('returns candles as JSON, end exclusive', async () => {
    const res = await app.inject({ method: 'GET', url: dataUrl });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ symbol: 'BTCUSDT', interval: '1h', market: 'spot', count: 48 });
    expect(body.klines[0].openTime).toBe(Date.UTC(2024, 0, 1));
    expect(body.klines[47].openTime).toBe(Date.UTC(2024, 0, 2, 23));
  });

  it('returns the same candles as CSV when asked with Accept: text/csv', async () => {
    const json = (await app.inject({ method: 'GET', url: dataUrl })).json();
    const res = await app.inject({ method: 'GET', url: dataUrl, headers: { accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body.startsWith('open_time,open,high,low,close,')).toBe(true);
    expect(parseKlinesCsv(res.body)).toEqual(json.klines);
  });

  it('answers bad input with 400 and a typed error, never 500', async () => {
    const cases: [string, string][] = [
      ['symbol=BTC/USDT&interval=1h&start=2024-01-01&end=2024-01-02', 'VALIDATION_FAILED'],
      ['symbol=BTCUSDT&interval=7m&start=2024-01-01&end=2024-01-02', 'EXCHANGE_INVALID_INTERVAL'],
      ['symbol=BTCUSDT&interval=1h&start=2024-02-01&end=2024-01-02', 'HISTORY_RANGE_INVALID'],
      ['symbol=BTCUSDT&interval=1h&start=soon&end=2024-01-02', 'HISTORY_RANGE_INVALID'],
      ['symbol=BTCUSDT&interval=1h&start=2024-01-01&end=2024-01-02&market=options', 'VALIDATION_FAILED'],
      ['symbol=BTCUSDT&interval=1h&start=2024-01-01', 'VALIDATION_FAILED'],
    ];
    for (const [query, code] of cases) {
      const res = await app.inject({ method: 'GET', url: `/api/v1/backtest/data?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code, query).toBe(code);
    }
  });

  it('runs an SMA crossover backtest over the range', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/backtest/run',
      payload: {
        symbol: 'BTCUSDT',
        interval: '1h',
        start: '2024-01-01',
        end: '2024-01-10',
        strategy: { fast: 5, slow: 20, feeBps: 10, startingCash: 1000 },
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.equityCurve).toHaveLength(9 * 24);
    expect(body.numberOfTrades).toBe(body.trades.length);
    expect(body.numberOfTrades).toBeGreaterThan(0);
    expect(typeof body.totalReturn).toBe('number');
    expect(body.maxDrawdown).toBeGreaterThanOrEqual(0);
  });

  it('rejects bad strategy parameters with 400', async () => {
    for (const strategy of [
      { fast: 20, slow: 5 },
      { fast: 0, slow: 5 },
      { fast: 2 },
      { fast: 2, slow: 5, feeBps: -1 },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/backtest/run',
        payload: { symbol: 'BTCUSDT', interval: '1h', start: '2024-01-01', end: '2024-01-02', strategy },
      });
      expect(res.statusCode, JSON.stringify(strategy)).toBe(400);
    }
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/backtest/run',
      payload: 'not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
  });

  it('reports the store and clears it only for an admin', async () => {
    const info = (await app.inject({ method: 'GET', url: '/api/v1/backtest/cache/info' })).json();
    expect(info.files).toBeGreaterThan(0);
    expect(info.symbols).toEqual(['BTCUSDT']);
    const denied = await app.inject({ method: 'POST', url: '/api/v1/backtest/cache/clear' });
    expect(denied.statusCode).toBe(403);
    expect((await store.getCacheInfo()).files).toBe(info.files);
    const cleared = await app.inject({
      method: 'POST',
      url: '/api/v1/backtest/cache/clear',
      headers: { 'x-admin': 'yes' },
    });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toEqual({ cleared: true, removedFiles: info.files });
    expect((await store.getCacheInfo()).files).toBe(0);
  });
});
