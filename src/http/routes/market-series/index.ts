import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import type { LiveMarket } from '../../../market/live-market.ts';
import { CANDLE_INTERVALS, isCandleInterval } from '../../../market/prices/index.ts';
import { refuseWithoutRedis } from '../../../redis/failure-rules.ts';
import type { MarketType } from '../../../trading/index.ts';
import { nothingCached, parseRange, type RangeQueryString, symbolParamsSchema } from '../market-common.ts';
import {
  historyQuerySchema,
  historyResponseSchema,
  ohlcvQuerySchema,
  ohlcvResponseSchema,
} from './schemas.ts';

export interface MarketSeriesRoutesOptions {
  market: LiveMarket;
}

/**
 * A symbol's price history: `GET /api/v1/market/:symbol/ohlcv` (candles by open time) and
 * `GET /api/v1/market/:symbol/history` (ticks by exchange time). With `from`, the first `limit`
 * items from it; without, the last `limit` up to `to` (or now). An empty range of a symbol with
 * data is `[]`; a symbol with nothing stored is 404.
 */
export async function marketSeriesRoutes(app: FastifyInstance, opts: MarketSeriesRoutesOptions) {
  const live = opts.market;

  app.get<{ Params: { symbol: string }; Querystring: RangeQueryString & { interval: string } }>(
    '/api/v1/market/:symbol/ohlcv',
    {
      schema: {
        tags: ['market'],
        summary: 'OHLCV candles (1m, 5m, 15m, 1h, 4h, 1d) whose open time is in [from, to]',
        params: symbolParamsSchema,
        querystring: ohlcvQuerySchema,
        response: { 200: ohlcvResponseSchema },
      },
    },
    async (request) => {
      const { symbol } = request.params;
      const { interval, market } = request.query;
      if (!isCandleInterval(interval)) {
        throw new TradecacheError(
          ErrorCodes.EXCHANGE_INVALID_INTERVAL,
          `interval must be one of ${CANDLE_INTERVALS.join(', ')}`,
          { context: { details: { allowed: CANDLE_INTERVALS } } },
        );
      }
      const range = parseRange(request.query);
      const prices = live.prices[market];
      const candles = await refuseWithoutRedis('candles read', () =>
        prices.getOhlcvData(symbol, interval, range),
      );
      if (candles.length === 0 && !(await hasAny(() => prices.hasCandles(symbol)))) {
        throw nothingCached('candles', symbol, market);
      }
      return { symbol, market, interval, candles };
    },
  );

  app.get<{ Params: { symbol: string }; Querystring: RangeQueryString }>(
    '/api/v1/market/:symbol/history',
    {
      schema: {
        tags: ['market'],
        summary: 'Price ticks whose exchange time is in [from, to]',
        params: symbolParamsSchema,
        querystring: historyQuerySchema,
        response: { 200: historyResponseSchema },
      },
    },
    async (request) => {
      const { symbol } = request.params;
      const market: MarketType = request.query.market;
      const range = parseRange(request.query);
      const prices = live.prices[market];
      const ticks = await refuseWithoutRedis('price history read', () =>
        prices.getPriceHistory(symbol, range),
      );
      if (ticks.length === 0 && !(await hasAny(() => prices.hasHistory(symbol)))) {
        throw nothingCached('price history', symbol, market);
      }
      return { symbol, market, ticks };
    },
  );
}

function hasAny(check: () => Promise<boolean>): Promise<boolean> {
  return refuseWithoutRedis('market existence check', check);
}
