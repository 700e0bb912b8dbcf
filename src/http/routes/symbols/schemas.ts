/** Response schema of the symbols routes (also the OpenAPI description, and fast serialization). */
export const symbolEntrySchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    baseAsset: { type: 'string' },
    quoteAsset: { type: 'string' },
    status: { type: 'string' },
    type: { type: 'string', enum: ['spot', 'perpetual', 'delivery', 'other'] },
    tickSize: { type: ['string', 'null'] },
    stepSize: { type: ['string', 'null'] },
    minNotional: { type: ['string', 'null'] },
  },
  required: ['symbol', 'baseAsset', 'quoteAsset', 'status'],
} as const;

export const symbolsResponseSchema = {
  type: 'object',
  properties: {
    market: { type: 'string', enum: ['spot', 'futures'] },
    count: { type: 'integer' },
    symbols: { type: 'array', items: symbolEntrySchema },
    source: { type: 'string', enum: ['cache', 'exchange', 'last-good'] },
    ageMs: { type: 'integer' },
    refreshedAt: { type: 'string', format: 'date-time' },
  },
  required: ['market', 'count', 'symbols', 'source', 'ageMs', 'refreshedAt'],
} as const;
