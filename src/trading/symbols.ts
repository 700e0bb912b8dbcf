import { ErrorCodes, TradecacheError } from '../errors.ts';

/**
 * Symbols as tradecache accepts them from users: 2-30 upper-case letters or digits. Binance's
 * own wire rule is wider (delivery contracts carry `_`); the exchange client checks that one.
 */
export const SYMBOL_PATTERN = /^[A-Z0-9]{2,30}$/;

export function isSymbol(value: unknown): value is string {
  return typeof value === 'string' && SYMBOL_PATTERN.test(value);
}

/** Upper-cases and checks a symbol given by a user; EXCHANGE_INVALID_SYMBOL otherwise. */
export function assertSymbol(value: unknown): string {
  const symbol = typeof value === 'string' ? value.toUpperCase() : '';
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw new TradecacheError(
      ErrorCodes.EXCHANGE_INVALID_SYMBOL,
      'symbol: expected 2-30 letters or digits (BTCUSDT)',
      {
        context: { symbol: String(value).slice(0, 40) },
      },
    );
  }
  return symbol;
}
