/**
 * Checks on what the feed hands the write API, before anything is queued: a malformed value is
 * refused with VALIDATION_FAILED instead of reaching Redis. Cheap enough for the hot path (one
 * char-code scan per decimal, no parsing into numbers).
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { isDecimalString } from '../decimal/index.ts';

function refuse(field: string, value: unknown, why: string): TradecacheError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value).slice(0, 40);
  return new TradecacheError(ErrorCodes.VALIDATION_FAILED, `${field} ${why}, got ${shown}`, {
    context: { field },
  });
}

/** A price or quantity: the exchange's unsigned decimal string. */
export function checkDecimal(field: string, value: unknown): string {
  if (isDecimalString(value)) return value;
  throw refuse(field, value, 'must be a plain decimal string such as "0.10"');
}

/** A signed decimal string (price changes, funding rates) or null. */
export function checkSignedDecimalOrNull(field: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (isDecimalString(value, true)) return value;
  throw refuse(field, value, 'must be a signed decimal string or null');
}

export function checkDecimalOrNull(field: string, value: unknown): string | null {
  return value === null || value === undefined ? null : checkDecimal(field, value);
}

/** An ordering number, id or epoch ms: a non-negative safe integer. */
export function checkInteger(field: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw refuse(field, value, 'must be a non-negative integer');
}

export function checkIntegerOrNull(field: string, value: unknown): number | null {
  return value === null || value === undefined ? null : checkInteger(field, value);
}

/** A candle's rank (last trade id): -1 means unknown. */
export function checkRank(value: unknown): number {
  if (value === -1) return -1;
  return checkInteger('lastTradeId', value);
}
