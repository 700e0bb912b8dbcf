import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import { MARKET_TYPES, type MarketType } from '../../../exchange/types.ts';
import type { SymbolCatalog } from '../../../market/symbols/index.ts';
import { symbolsResponseSchema } from './schemas.ts';

export interface SymbolsRoutesOptions {
  symbols: SymbolCatalog;
}

/** `GET /api/v1/symbols/:market`: the cached symbol list, with `X-Cache: HIT | MISS | STALE`. */
export async function symbolsRoutes(app: FastifyInstance, opts: SymbolsRoutesOptions) {
  app.get<{ Params: { market: string } }>(
    '/api/v1/symbols/:market',
    {
      schema: {
        tags: ['symbols'],
        summary: 'Tradable symbols of a market (spot or futures perpetuals)',
        params: {
          type: 'object',
          properties: { market: { type: 'string', maxLength: 32 } },
          required: ['market'],
        },
        response: { 200: symbolsResponseSchema },
      },
    },
    async (request, reply) => {
      const market = parseMarket(request.params.market);
      const result = await opts.symbols.get(market);
      reply.header('x-cache', result.cache);
      return {
        market,
        count: result.listing.symbols.length,
        symbols: result.listing.symbols,
        source: result.source,
        ageMs: result.ageMs,
        refreshedAt: new Date(result.listing.refreshedAt).toISOString(),
      };
    },
  );
}

function parseMarket(raw: string): MarketType {
  const market = MARKET_TYPES.find((m) => m === raw);
  if (!market) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      `unknown market ${JSON.stringify(raw.slice(0, 32))}: allowed values are ${MARKET_TYPES.join(', ')}`,
      { context: { details: { allowed: MARKET_TYPES } } },
    );
  }
  return market;
}
