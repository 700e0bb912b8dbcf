/**
 * Schemas of the live market cache routes: validation at the edge, the OpenAPI description, and
 * fast serialization. Every price is a decimal string; members never sent are null.
 */
import { decimal, marketProperty, nullableDecimal } from '../market-common.ts';

export const marketQuerySchema = {
  type: 'object',
  properties: { market: marketProperty },
} as const;

const nullableInt = { type: ['integer', 'null'] } as const;
const level = {
  type: 'array',
  items: decimal,
  minItems: 2,
  maxItems: 2,
  description: '[price, quantity]',
} as const;

const pricePoint = {
  type: ['object', 'null'],
  properties: { price: decimal, time: { type: 'integer', description: 'exchange time, epoch ms' } },
  required: ['price', 'time'],
} as const;

const bookTicker = {
  type: ['object', 'null'],
  properties: { bidPrice: decimal, bidQty: decimal, askPrice: decimal, askQty: decimal, time: nullableInt },
  required: ['bidPrice', 'bidQty', 'askPrice', 'askQty', 'time'],
} as const;

const orderBook = {
  type: ['object', 'null'],
  description: `at least the top 20 levels per side (ORDER_BOOK_DEPTH), best first`,
  properties: {
    lastUpdateId: { type: 'integer' },
    bids: { type: 'array', items: level },
    asks: { type: 'array', items: level },
  },
  required: ['lastUpdateId', 'bids', 'asks'],
} as const;

const trade = {
  type: ['object', 'null'],
  description: 'the newest trade',
  properties: {
    id: { type: 'integer' },
    price: decimal,
    quantity: decimal,
    side: { type: 'string', enum: ['buy', 'sell'], description: 'taker side' },
    time: { type: 'integer' },
  },
  required: ['id', 'price', 'quantity', 'side', 'time'],
} as const;

const stats24h = {
  type: ['object', 'null'],
  description: "the exchange's 24h statistics, every member as it sent it",
  properties: {
    openPrice: nullableDecimal,
    highPrice: nullableDecimal,
    lowPrice: nullableDecimal,
    lastPrice: nullableDecimal,
    volume: nullableDecimal,
    quoteVolume: nullableDecimal,
    priceChange: nullableDecimal,
    priceChangePercent: nullableDecimal,
    weightedAvgPrice: nullableDecimal,
    count: nullableInt,
    openTime: nullableInt,
    closeTime: nullableInt,
  },
} as const;

/**
 * Not in the list of market-data members, but its deliverable 1 asks for the futures
 * mark price and funding rate of `/fapi/v1/premiumIndex` in the MarketDataCache: the answer
 * carries them here, always present, `null` on spot and until the first write on futures.
 */
const premiumIndex = {
  type: ['object', 'null'],
  description:
    'futures only (null on spot, and on futures until written): mark price and funding rate from /fapi/v1/premiumIndex',
  properties: {
    markPrice: decimal,
    indexPrice: nullableDecimal,
    fundingRate: { type: ['string', 'null'], description: 'signed decimal string, e.g. "-0.00010000"' },
    nextFundingTime: { ...nullableInt, description: 'epoch ms' },
    time: { ...nullableInt, description: 'exchange time of the answer, epoch ms' },
  },
  required: ['markPrice', 'indexPrice', 'fundingRate', 'nextFundingTime', 'time'],
} as const;

const freshness = {
  fresh: { type: 'boolean', description: 'the price is at most MARKET_FRESH_MS old (exchange time)' },
  ageMs: {
    type: ['integer', 'null'],
    description: 'ms since the price’s exchange time; null without a price',
  },
} as const;

export const marketDataResponseSchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    market: { type: 'string', enum: ['spot', 'futures'] },
    price: pricePoint,
    bookTicker,
    orderBook,
    trade,
    stats24h,
    premiumIndex,
    ...freshness,
  },
  required: [
    'symbol',
    'market',
    'price',
    'bookTicker',
    'orderBook',
    'trade',
    'stats24h',
    'premiumIndex',
    'fresh',
    'ageMs',
  ],
} as const;

const change = {
  type: ['object', 'null'],
  description: 'null while the series does not reach back that far',
  properties: {
    price: { ...decimal, description: 'last price at or before now − period' },
    change: { type: 'string', description: 'current − that price, exact' },
    changePercent: {
      type: ['string', 'null'],
      description: 'percent change rounded half away from zero to 3 places',
    },
  },
  required: ['price', 'change', 'changePercent'],
} as const;

export const priceResponseSchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    market: { type: 'string', enum: ['spot', 'futures'] },
    price: decimal,
    time: { type: 'integer' },
    ...freshness,
    change: { type: 'object', properties: { '1h': change, '24h': change }, required: ['1h', '24h'] },
  },
  required: ['symbol', 'market', 'price', 'time', 'fresh', 'ageMs', 'change'],
} as const;

export const symbolsResponseSchema = {
  type: 'object',
  properties: {
    count: { type: 'integer' },
    symbols: { type: 'array', items: { type: 'string' } },
  },
  required: ['count', 'symbols'],
} as const;
