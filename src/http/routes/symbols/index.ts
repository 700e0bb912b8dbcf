import type { FastifyInstance } from 'fastify';
import type { SymbolCatalog } from '../../../market/symbols/index.ts';
import { assertMarket } from '../../../trading/index.ts';
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
      const market = assertMarket(request.params.market);
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
