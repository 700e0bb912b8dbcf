/** Schemas of the price series routes (OHLCV candles and ticks). */
import { decimal, marketProperty, rangeProperties } from '../market-common.ts';

export const ohlcvQuerySchema = {
  type: 'object',
  properties: {
    interval: { type: 'string', maxLength: 8, description: '1m, 5m, 15m, 1h, 4h or 1d' },
    market: marketProperty,
    ...rangeProperties,
  },
  required: ['interval'],
} as const;

export const historyQuerySchema = {
  type: 'object',
  properties: { market: marketProperty, ...rangeProperties },
} as const;

const candle = {
  type: 'object',
  properties: {
    openTime: { type: 'integer' },
    closeTime: { type: 'integer' },
    open: decimal,
    high: decimal,
    low: decimal,
    close: decimal,
    volume: { ...decimal, description: 'base asset volume, exact sum' },
    quoteVolume: { ...decimal, description: 'Σ price × quantity, exact' },
    trades: { type: 'integer', description: 'number of exchange trades' },
    closed: { type: 'boolean', description: 'its time has passed' },
  },
  required: [
    'openTime',
    'closeTime',
    'open',
    'high',
    'low',
    'close',
    'volume',
    'quoteVolume',
    'trades',
    'closed',
  ],
} as const;

export const ohlcvResponseSchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    market: { type: 'string', enum: ['spot', 'futures'] },
    interval: { type: 'string' },
    candles: { type: 'array', items: candle, description: 'open time in [from, to], oldest first' },
  },
  required: ['symbol', 'market', 'interval', 'candles'],
} as const;

export const historyResponseSchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    market: { type: 'string', enum: ['spot', 'futures'] },
    ticks: {
      type: 'array',
      description: 'time in [from, to], oldest first',
      items: {
        type: 'object',
        properties: { time: { type: 'integer' }, price: decimal },
        required: ['time', 'price'],
      },
    },
  },
  required: ['symbol', 'market', 'ticks'],
} as const;
