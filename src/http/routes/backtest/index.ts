import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type {
  BacktestService,
  HistoryRequest,
  HistoryStore,
  SmaCrossoverParams,
} from '../../../history/index.ts';
import { assertCandleCap, DEFAULT_MAX_CANDLES, formatKlinesCsv } from '../../../history/index.ts';
import { alignDown, expectedCandles } from '../../../trading/index.ts';
import { clientGoneSignal } from '../../client-gone.ts';
import { type HeavyWorkAdmission, slotsOnlyAdmission } from './admission.ts';
import { klinesCsvStream, klinesJsonStream } from './kline-stream.ts';
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
  /** Most candles one request may cover (`HISTORY_MAX_CANDLES`). @default 100_000 */
  maxCandles?: number;
  /** Who may start expensive work, and how much runs at once. @default 2 slots, 4 waiting, no budget */
  admission?: HeavyWorkAdmission;
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
/** Largest `/data` answer the response cache keeps; a year of hourly candles is ~2 MB of JSON. */
const DATA_CACHE_MAX_BYTES = 4 * 1024 * 1024;
/** A JSON candle is ~300 bytes (CSV ~130): an upper estimate, made before anything is read. */
const BYTES_PER_CANDLE = 320;
/** Candles per streamed chunk: small enough to keep memory flat, big enough to keep syscalls few. */
const STREAM_SLICE_ROWS = 1000;

/** The answer's size estimated from the range alone, before anything is fetched or serialised. */
function estimatedBytes(req: HistoryRequest): number {
  return expectedCandles(req.interval, req.start, req.end) * BYTES_PER_CANDLE;
}

/**
 * Historical data and backtests (the Python platform's backtest routes): `/cache/info`, `/cache/clear`
 * (admin), `/data` (JSON, or CSV with `Accept: text/csv`) and `/run` (SMA crossover).
 *
 * Response cache: only `/data`, whose answer for a range of closed candles never changes.
 * `/cache/info` is not cached: it must show a fetch or a clear at once, and costs a directory
 * listing. `/run` is a POST (its body is the query).
 */
export async function backtestRoutes(app: FastifyInstance, opts: BacktestRoutesOptions) {
  const maxCandles = opts.maxCandles ?? DEFAULT_MAX_CANDLES;
  const admission = opts.admission ?? slotsOnlyAdmission();
  /** Parses and bounds a request: 400 past the candle cap, before the store or the exchange is asked. */
  const bounded = (q: HistoryQuery): HistoryRequest => {
    const req = opts.backtest.parseRequest(q.symbol, q.interval, q.start, q.end, q.market);
    assertCandleCap(req, maxCandles);
    return req;
  };
  const streamed = (req: HistoryRequest) => estimatedBytes(req) > DATA_CACHE_MAX_BYTES;
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
        description:
          `Answers estimated over ${DATA_CACHE_MAX_BYTES} bytes (about ` +
          `${Math.floor(DATA_CACHE_MAX_BYTES / BYTES_PER_CANDLE)} candles) are streamed in chunks ` +
          '(`count` then comes after `klines`) and never kept by the response cache.',
        querystring: historyQuerySchema,
        response: { 200: historyResponseSchema },
      },
      config: {
        responseCache: {
          ttlMs: 10 * 60_000,
          keyPrefix: DATA_CACHE,
          vary: [{ header: 'accept', normalise: (v) => (v?.includes('text/csv') ? 'csv' : 'json') }],
          maxBodyBytes: DATA_CACHE_MAX_BYTES,
          // Decided before the handler runs: a range too big to keep is never built as a string.
          estimateBytes: (request: FastifyRequest) => {
            try {
              return estimatedBytes(bounded(request.query as HistoryQuery));
            } catch {
              return undefined; // bad input: the handler answers 400, which is never stored
            }
          },
        },
      },
    },
    // A client disconnect aborts the fetch only when no other caller of the same range is
    // waiting for it (the service's shared flights count the waiters).
    async (request, reply) => {
      const req = bounded(request.query);
      const signal = clientGoneSignal(reply);
      const stream = streamed(req);
      // What is stored is read from disk; only ranges needing the exchange, and large answers,
      // spend the anonymous budget and a slot.
      const expensive = stream || (await opts.backtest.needsFetch(req));
      const release = expensive ? await admission.admit(request, reply, signal) : () => {};
      // A range reaching past the last closed candle grows as candles close: never stored.
      if (req.end > alignDown(req.interval, Date.now())) reply.header('cache-control', 'no-store');
      const csv = request.headers.accept?.includes('text/csv') === true;
      if (stream) {
        reply.raw.once('close', release);
        try {
          // Fetched into the store first, so a failure is still a proper error answer.
          await opts.backtest.ensureStored(req, signal);
        } catch (err) {
          release();
          throw err;
        }
        const slices = opts.backtest.readStored(req, STREAM_SLICE_ROWS, signal);
        reply.type(csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
        return reply.send(
          csv
            ? klinesCsvStream(slices, release)
            : klinesJsonStream(
                {
                  symbol: req.symbol,
                  interval: req.interval,
                  market: req.market,
                  start: req.start,
                  end: req.end,
                },
                slices,
                release,
              ),
        );
      }
      let klines: Awaited<ReturnType<BacktestService['getHistoricalData']>>;
      try {
        klines = await opts.backtest.getHistoricalData(
          req.symbol,
          req.interval,
          req.start,
          req.end,
          req.market,
          {
            signal,
          },
        );
      } finally {
        release();
      }
      if (csv) {
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
        description:
          'The answer holds one equity point per candle. A client that disconnects stops a fetch only it was waiting for.',
        body: runBodySchema,
      },
    },
    async (request, reply) => {
      const { symbol, interval, start, end, market, strategy } = request.body;
      bounded({ symbol, interval, start, end, market });
      const signal = clientGoneSignal(reply);
      const release = await admission.admit(request, reply, signal);
      try {
        const result = await opts.backtest.runBacktest(symbol, interval, start, end, market, strategy, {
          signal,
        });
        return { symbol: symbol.toUpperCase(), interval, market, strategy, ...result };
      } finally {
        release();
      }
    },
  );
}
