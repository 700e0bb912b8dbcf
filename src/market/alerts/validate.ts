/** Checks of alert input shared by the HTTP routes and the library. */
import { ErrorCodes, TradecacheError } from '../../errors.ts';

/**
 * A target price: a plain positive decimal string with at most 20 integer and 18 fraction
 * digits (no sign, exponent or spaces). Bounded so every target has a finite double score and
 * the exact comparison in the matching script stays cheap.
 */
export const TARGET_PRICE_PATTERN = /^\d{1,20}(\.\d{1,18})?$/;

/** Throws VALIDATION_FAILED unless `text` is a valid, non-zero target price. */
export function assertTargetPrice(text: unknown): asserts text is string {
  if (typeof text !== 'string' || !TARGET_PRICE_PATTERN.test(text) || /^[0.]+$/.test(text)) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      'targetPrice must be a positive decimal string such as "65000.50" (at most 20 integer and 18 fraction digits)',
      { context: { field: 'targetPrice' } },
    );
  }
}
