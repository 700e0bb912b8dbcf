import type { FastifyInstance } from 'fastify';
import type { PricePoint } from '../../../market/data/index.ts';
import type { LiveMarket } from '../../../market/live-market.ts';
import { refuseWithoutRedis } from '../../../redis/failure-rules.ts';
import type { MarketType } from '../../../trading/index.ts';
import { nothingCached, symbolParamsSchema } from '../market-common.ts';
import {
  marketDataResponseSchema,
  marketQuerySchema,
  priceResponseSchema,
  symbolsResponseSchema,
} from './schemas.ts';

export interface MarketCacheRoutesOptions {
  market: LiveMarket;
}

const HOUR = 3_600_000;

interface SymbolRequest {
  Params: { symbol: string };
  Querystring: { market: MarketType };
}

/**
 * The live market cache: `GET /api/v1/cache/market-data/:symbol`, `GET /api/v1/cache/price/:symbol`
 * and `GET /api/v1/cache/symbols`. A symbol with nothing cached is 404; Redis down is 503.
 */
export async function marketCacheRoutes(app: FastifyInstance, opts: MarketCacheRoutesOptions) {
  const live = opts.market;
  const freshness = (price: PricePoint | null, now: number) => {
    if (!price) return { fresh: false, ageMs: null };
    const ageMs = Math.max(0, now - price.time);
    return { fresh: ageMs <= live.options.freshMs, ageMs };
  };

  app.get<SymbolRequest>(
    '/api/v1/cache/market-data/:symbol',
    {
      schema: {
        tags: ['market'],
        summary:
          'Everything cached about a symbol: price, best bid/ask, order book, last trade, 24h statistics, and on futures the premium index (mark price, funding rate)',
        params: symbolParamsSchema,
        querystring: marketQuerySchema,
        response: { 200: marketDataResponseSchema },
      },
    },
    async (request) => {
      const { symbol } = request.params;
      const { market } = request.query;
      const s = await refuseWithoutRedis('market data read', () => live.data[market].getSnapshot(symbol));
      if (!s.price && !s.bookTicker && !s.orderBook && !s.trade && !s.stats24h && !s.premiumIndex) {
        throw nothingCached('market data', symbol, market);
      }
      return { ...s, ...freshness(s.price, Date.now()) };
    },
  );

  app.get<SymbolRequest>(
    '/api/v1/cache/price/:symbol',
    {
      schema: {
        tags: ['market'],
        summary: 'Current price with its 1h and 24h change (exact; percent rounded to 3 places)',
        params: symbolParamsSchema,
        querystring: marketQuerySchema,
        response: { 200: priceResponseSchema },
      },
    },
    async (request) => {
      const { symbol } = request.params;
      const { market } = request.query;
      const now = Date.now();
      const { current, changes } = await refuseWithoutRedis('price read', () =>
        live.prices[market].getPriceWithChanges(symbol, [HOUR, 24 * HOUR], now),
      );
      if (!current) throw nothingCached('price', symbol, market);
      const view = (i: number) => {
        const c = changes[i];
        return c ? { price: c.price, change: c.change, changePercent: c.changePercent } : null;
      };
      return {
        symbol,
        market,
        price: current.price,
        time: current.time,
        ...freshness(current, now),
        change: { '1h': view(0), '24h': view(1) },
      };
    },
  );

  app.get<{ Querystring: { market: MarketType } }>(
    '/api/v1/cache/symbols',
    {
      schema: {
        tags: ['market'],
        summary: 'Symbols of a market the cache holds a live price for',
        querystring: marketQuerySchema,
        response: { 200: symbolsResponseSchema },
      },
    },
    async (request) => {
      const symbols = await refuseWithoutRedis('symbols read', () =>
        live.data[request.query.market].getSymbols(),
      );
      return { count: symbols.length, symbols };
    },
  );
}
