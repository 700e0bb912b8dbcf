import { ErrorCodes, TradecacheError } from '../../errors.ts';

/**
 * Shape checks for Binance JSON bodies. A body that does not look as documented is an
 * EXCHANGE_BAD_RESPONSE, never an empty or partial result: a cache that stored `[]` because a
 * proxy answered with HTML would hide every symbol until the next refresh.
 */

/** Decimal strings as Binance sends them (`"60650.00000000"`, `"-3.003"`, `"0"`). */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** An EXCHANGE_BAD_RESPONSE naming the offending field; never quotes the body itself. */
export function badResponse(what: string, problem: string): TradecacheError {
  return new TradecacheError(ErrorCodes.EXCHANGE_BAD_RESPONSE, `Binance ${what}: ${problem}`, {
    context: { field: what },
  });
}

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectRecord(value: unknown, what: string): JsonRecord {
  if (!isRecord(value)) throw badResponse(what, 'is not an object');
  return value;
}

export function expectArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw badResponse(what, 'is not an array');
  return value;
}

export function expectString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw badResponse(what, 'is not a string');
  return value;
}

/** A non-empty string, for identifiers such as symbol and asset names. */
export function expectName(value: unknown, what: string): string {
  const text = expectString(value, what);
  if (text.length === 0) throw badResponse(what, 'is empty');
  return text;
}

export function expectDecimal(value: unknown, what: string): string {
  const text = expectString(value, what);
  if (!DECIMAL.test(text)) throw badResponse(what, 'is not a decimal string');
  return text;
}

/** Ids, counts and epoch-ms times: JSON integers (−1 is a real "no trade" id). */
export function expectInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw badResponse(what, 'is not an integer');
  return value;
}

export function expectBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw badResponse(what, 'is not a boolean');
  return value;
}

/** Endpoints that answer one object for `symbol=` and an array without it. */
export function oneOrMany(json: unknown, what: string): unknown[] {
  return Array.isArray(json) ? json : [expectRecord(json, what)];
}
