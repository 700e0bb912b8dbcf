/**
 * JSON schemas of the backtest routes: request validation at the edge (bad input → 400 before
 * anything is fetched or written), OpenAPI description, and fast response serialization.
 * Intervals are checked by the service so an unknown one gets EXCHANGE_INVALID_INTERVAL.
 */
const symbol = { type: 'string', pattern: '^[A-Za-z0-9]{2,30}$' } as const;
const interval = { type: 'string', minLength: 2, maxLength: 3 } as const;
const market = { type: 'string', enum: ['spot', 'futures'], default: 'spot' } as const;
/** ISO 8601 date/time or epoch ms; parsed by history/dates.ts. */
const time = { type: ['string', 'integer'], maxLength: 40 } as const;

export const historyQuerySchema = {
  type: 'object',
  properties: { symbol, interval, start: time, end: time, market },
  required: ['symbol', 'interval', 'start', 'end'],
  additionalProperties: false,
} as const;

export const runBodySchema = {
  type: 'object',
  properties: {
    symbol,
    interval,
    start: time,
    end: time,
    market,
    strategy: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: ['sma_crossover'], default: 'sma_crossover' },
        fast: { type: 'integer', minimum: 1, maximum: 10_000 },
        slow: { type: 'integer', minimum: 2, maximum: 10_000 },
        feeBps: { type: 'number', minimum: 0, maximum: 1000, default: 0 },
        startingCash: { type: 'number', exclusiveMinimum: 0, maximum: 1e15, default: 10_000 },
      },
      required: ['fast', 'slow'],
      additionalProperties: false,
    },
  },
  required: ['symbol', 'interval', 'start', 'end', 'strategy'],
  additionalProperties: false,
} as const;

const klineSchema = {
  type: 'object',
  properties: {
    openTime: { type: 'integer' },
    open: { type: 'string' },
    high: { type: 'string' },
    low: { type: 'string' },
    close: { type: 'string' },
    volume: { type: 'string' },
    closeTime: { type: 'integer' },
    quoteVolume: { type: 'string' },
    trades: { type: 'integer' },
    takerBuyBaseVolume: { type: 'string' },
    takerBuyQuoteVolume: { type: 'string' },
    ignore: { type: 'string' },
  },
} as const;

export const historyResponseSchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    interval: { type: 'string' },
    market: { type: 'string' },
    start: { type: 'integer' },
    end: { type: 'integer' },
    count: { type: 'integer' },
    klines: { type: 'array', items: klineSchema },
  },
} as const;

export const cacheInfoResponseSchema = {
  type: 'object',
  properties: {
    dir: { type: 'string' },
    files: { type: 'integer' },
    entries: { type: 'integer' },
    symbols: { type: 'array', items: { type: 'string' } },
    totalBytes: { type: 'integer' },
    corruptFiles: { type: 'integer' },
  },
} as const;

export const cacheClearResponseSchema = {
  type: 'object',
  properties: { cleared: { type: 'boolean' }, removedFiles: { type: 'integer' } },
} as const;
