/**
 * What the market routes share: the symbol and market parameters, the range query (`from`/`to`
 * as epoch ms or ISO 8601, inclusive; `limit` 1-1000, default 500) and its checks. Bad input is
 * a 400 before Redis is touched.
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { parseTimeInput } from '../../history/dates.ts';
import type { MarketType } from '../../trading/index.ts';

export const symbolParamsSchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string', pattern: '^[A-Z0-9]{2,30}$', description: 'Upper-case symbol, e.g. BTCUSDT' },
  },
  required: ['symbol'],
} as const;

export const marketProperty = {
  type: 'string',
  enum: ['spot', 'futures'],
  default: 'spot',
  description: 'spot or USDⓈ-M futures',
} as const;

const timeProperty = (what: string) =>
  ({
    type: 'string',
    maxLength: 40,
    description: `${what} (inclusive): epoch ms or ISO 8601 (UTC unless an offset is given)`,
  }) as const;

export const rangeProperties = {
  from: timeProperty('Start'),
  to: timeProperty('End'),
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 500, description: 'At most 1000' },
} as const;

/** Decimal strings in answers, as the exchange sent them. */
export const decimal = {
  type: 'string',
  description: 'decimal string, exactly as the exchange sent it',
} as const;
export const nullableDecimal = { type: ['string', 'null'] } as const;

export interface RangeQueryString {
  market: MarketType;
  from?: string;
  to?: string;
  limit: number;
}

/** The parsed range; `from > to` is refused. */
export function parseRange(query: RangeQueryString): { from?: number; to?: number; limit: number } {
  const from = query.from === undefined ? undefined : parseTime('from', query.from);
  const to = query.to === undefined ? undefined : parseTime('to', query.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'from must not be after to', {
      context: { details: { from, to } },
    });
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), limit: query.limit };
}

function parseTime(name: string, value: string): number {
  try {
    return parseTimeInput(value);
  } catch (err) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, `${name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export function nothingCached(what: string, symbol: string, market: MarketType): TradecacheError {
  return new TradecacheError(ErrorCodes.NOT_FOUND, `no ${what} cached for ${market} ${symbol}`);
}
