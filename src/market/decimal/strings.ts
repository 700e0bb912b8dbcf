/**
 * The decimal operations on the exchange's strings directly, for code that only handles a
 * value once (one compare, one normalisation). Hot loops should parse once and keep
 * `Decimal`s (see `candles/`).
 */
import {
  add,
  compare,
  divide,
  multiply,
  normalise,
  type ParseOptions,
  parseDecimal,
  rescale,
  subtract,
  toDecimalString,
} from './decimal.ts';

const SIGNED: ParseOptions = { signed: true };

/** -1, 0 or 1 comparing two decimal strings exactly (`"1.10"` equals `"1.1"`). */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  return compare(parseDecimal(a, SIGNED), parseDecimal(b, SIGNED));
}

/** Whether two decimal strings denote the same value (`"0.10000000"` and `"0.1"` do). */
export function decimalsEqual(a: string, b: string): boolean {
  return compareDecimals(a, b) === 0;
}

/** Exact sum, with as many fraction digits as the longer operand. */
export function addDecimals(a: string, b: string): string {
  return toDecimalString(add(parseDecimal(a, SIGNED), parseDecimal(b, SIGNED)));
}

/** Exact difference, with as many fraction digits as the longer operand. */
export function subtractDecimals(a: string, b: string): string {
  return toDecimalString(subtract(parseDecimal(a, SIGNED), parseDecimal(b, SIGNED)));
}

/** Exact product, normalised (no trailing zeros). */
export function multiplyDecimals(a: string, b: string): string {
  return toDecimalString(normalise(multiply(parseDecimal(a, SIGNED), parseDecimal(b, SIGNED))));
}

/** `a / b` with exactly `places` fraction digits, rounded half away from zero. */
export function divideDecimals(a: string, b: string, places: number): string {
  return toDecimalString(divide(parseDecimal(a, SIGNED), parseDecimal(b, SIGNED), places));
}

/** The smaller of two decimal strings, as given. */
export function minDecimal(a: string, b: string): string {
  return compareDecimals(a, b) <= 0 ? a : b;
}

/** The larger of two decimal strings, as given. */
export function maxDecimal(a: string, b: string): string {
  return compareDecimals(a, b) >= 0 ? a : b;
}

/** Drops trailing fraction zeros: `"0.10000000"` → `"0.1"`, `"5.000"` → `"5"`, `"-0.0"` → `"0"`. */
export function normaliseDecimal(text: string): string {
  return toDecimalString(normalise(parseDecimal(text, SIGNED)));
}

/** Prints with exactly `places` fraction digits (Binance spot pads to 8), rounding half away from zero. */
export function formatDecimalPlaces(text: string, places: number): string {
  return toDecimalString(rescale(parseDecimal(text, SIGNED), places));
}

/**
 * Percent change from `from` to `to` rounded to `places` (Binance prints 3):
 * `(to - from) / from × 100`. Throws when `from` is zero.
 */
export function percentChange(from: string, to: string, places = 3): string {
  const a = parseDecimal(from, SIGNED);
  const diff = subtract(parseDecimal(to, SIGNED), a);
  return toDecimalString(divide(multiply(diff, { units: 100n, scale: 0 }), a, places));
}
