import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { BacktestService, HistoryStore, SmaCrossoverParams } from '../../../history/index.ts';
import { formatKlinesCsv } from '../../../history/index.ts';
import { alignDown } from '../../../market/vocabulary/index.ts';
import {
  cacheClearResponseSchema,
  cacheInfoResponseSchema,
  historyQuerySchema,
  historyResponseSchema,
  runBodySchema,
} from './schemas.ts';

export interface BacktestRoutesOptions {
  backtest: BacktestService;
  store: HistoryStore;
  /** Guards cache clearing (admin only). */
  adminGuard: preHandlerHookHandler;
  /** Whether the caller is an admin, who alone sees the store's absolute path; without it nobody does. */
  isAdmin?: (request: FastifyRequest) => Promise<boolean>;
}

interface HistoryQuery {
  symbol: string;
  interval: string;
  start: string | number;
  end: string | number;
  market: string;
}

interface RunBody extends HistoryQuery {
  strategy: SmaCrossoverParams & { type: 'sma_crossover' };
}

/** Response-cache prefix of `/data`; clearing the kline store forgets it. */
const DATA_CACHE = 'backtest_data';

/**
 * Historical data and backtests (the Python platform's backtest routes): `/cache/info`, `/cache/clear`
 * (admin), `/data` (JSON, or CSV with `Accept: text/csv`) and `/run` (SMA crossover).
 *
 * Response cache: only `/data`, whose answer for a range of closed candles never changes.
 * `/cache/info` is not cached: it must show a fetch or a clear at once, and costs a directory
 * listing. `/run` is a POST (its body is the query).
 */
export async function backtestRoutes(app: FastifyInstance, opts: BacktestRoutesOptions) {
  app.get(
    '/api/v1/backtest/cache/info',
    {
      schema: {
        tags: ['backtest'],
        summary: 'Historical kline store statistics',
        response: { 200: cacheInfoResponseSchema },
      },
    },
    async (request) => {
      const { dir, ...info } = await opts.store.getCacheInfo();
      // The absolute data path tells an anonymous caller where the files live: admins only.
      return (await opts.isAdmin?.(request)) ? { dir, ...info } : info;
    },
  );

  app.post(
    '/api/v1/backtest/cache/clear',
    {
      preHandler: opts.adminGuard,
      schema: {
        tags: ['backtest'],
        summary: 'Delete every stored kline file (admin)',
        response: { 200: cacheClearResponseSchema },
      },
    },
    async () => {
      const result = await opts.store.clearCache();
      // An operator clears bad data: cached answers built from it must go too.
      await app.responseCache?.invalidate(DATA_CACHE);
      return { cleared: true, ...result };
    },
  );

  app.get<{ Querystring: HistoryQuery }>(
    '/api/v1/backtest/data',
    {
      schema: {
        tags: ['backtest'],
        summary: 'Closed candles of a range (end exclusive); CSV with Accept: text/csv',
        querystring: historyQuerySchema,
        response: { 200: historyResponseSchema },
      },
      config: {
        responseCache: {
          ttlMs: 10 * 60_000,
          keyPrefix: DATA_CACHE,
          vary: [{ header: 'accept', normalise: (v) => (v?.includes('text/csv') ? 'csv' : 'json') }],
          // A year of hourly candles is ~2 MB of JSON (stored deflated).
          maxBodyBytes: 4 * 1024 * 1024,
        },
      },
    },
    // No abort on client disconnect: the fetch is shared with concurrent callers of the same
    // range, and what it stores serves the next request.
    async (request, reply) => {
      const q = request.query;
      const req = opts.backtest.parseRequest(q.symbol, q.interval, q.start, q.end, q.market);
      const klines = await opts.backtest.getHistoricalData(
        req.symbol,
        req.interval,
        req.start,
        req.end,
        req.market,
      );
      // A range reaching past the last closed candle grows as candles close: never stored.
      if (req.end > alignDown(req.interval, Date.now())) reply.header('cache-control', 'no-store');
      if (request.headers.accept?.includes('text/csv')) {
        // Returned, not sent, so the response cache can store it; a string is not serialized.
        reply.type('text/csv; charset=utf-8');
        return formatKlinesCsv(klines);
      }
      return { ...req, count: klines.length, klines };
    },
  );

  app.post<{ Body: RunBody }>(
    '/api/v1/backtest/run',
    {
      schema: {
        tags: ['backtest'],
        summary: 'Run an SMA crossover backtest over stored candles',
        body: runBodySchema,
      },
    },
    async (request) => {
      const { symbol, interval, start, end, market, strategy } = request.body;
      const result = await opts.backtest.runBacktest(symbol, interval, start, end, market, strategy);
      return { symbol: symbol.toUpperCase(), interval, market, strategy, ...result };
    },
  );
}
