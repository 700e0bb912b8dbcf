import { ErrorCodes, TradecacheError } from '../errors.ts';

/** The two markets tradecache serves: Binance spot and USDⓈ-M futures. */
export type MarketType = 'spot' | 'futures';

export const MARKET_TYPES: readonly MarketType[] = ['spot', 'futures'];

export function isMarketType(value: unknown): value is MarketType {
  return value === 'spot' || value === 'futures';
}

/** Checks a market named by a user (`spot` | `futures`); VALIDATION_FAILED lists the allowed ones. */
export function assertMarket(value: unknown): MarketType {
  if (isMarketType(value)) return value;
  const shown = JSON.stringify(String(value).slice(0, 32));
  throw new TradecacheError(
    ErrorCodes.VALIDATION_FAILED,
    `unknown market ${shown}: allowed values are ${MARKET_TYPES.join(', ')}`,
    { context: { details: { allowed: MARKET_TYPES } } },
  );
}
