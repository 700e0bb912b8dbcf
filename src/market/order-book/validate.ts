/**
 * Checks a whole diff or snapshot before any of it touches the book, so a malformed message
 * throws a clear error and changes nothing.
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { isZero, parseDecimal } from '../decimal/index.ts';
import type { ParsedLevel } from './book-side.ts';
import type { BookMarket, DepthDiff, DepthSnapshot } from './types.ts';

/** More levels than a 5000-limit snapshot per side means the input is not a depth message. */
const MAX_LEVELS = 10_000;

function invalid(message: string): TradecacheError {
  return new TradecacheError(ErrorCodes.VALIDATION_FAILED, message);
}

function updateId(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${field} must be a non-negative integer update id`);
  }
  return value;
}

/** Parses `[price, quantity]` pairs; a zero quantity marks a removal. */
export function parseLevels(levels: unknown, side: string): ParsedLevel[] {
  if (!Array.isArray(levels) || levels.length > MAX_LEVELS) {
    throw invalid(`${side} must be an array of at most ${MAX_LEVELS} [price, quantity] pairs`);
  }
  const out: ParsedLevel[] = [];
  for (let i = 0; i < levels.length; i++) {
    const level: unknown = levels[i];
    if (!Array.isArray(level) || level.length < 2) throw invalid(`${side}[${i}] must be [price, quantity]`);
    const [price, quantity] = level as unknown[];
    const value = parseDecimal(price as string, { field: `${side}[${i}] price` });
    const qty = parseDecimal(quantity as string, { field: `${side}[${i}] quantity` });
    out.push({ price: price as string, quantity: quantity as string, value, remove: isZero(qty) });
  }
  return out;
}

/** A diff with its levels parsed. */
export interface ParsedDiff {
  readonly diff: DepthDiff;
  readonly bids: ParsedLevel[];
  readonly asks: ParsedLevel[];
}

export function parseDiff(market: BookMarket, diff: DepthDiff): ParsedDiff {
  if (typeof diff !== 'object' || diff === null) throw invalid('depth diff must be an object');
  const U = updateId(diff.U, 'U');
  const u = updateId(diff.u, 'u');
  if (U > u) throw invalid(`depth diff U (${U}) must not exceed u (${u})`);
  if (market === 'futures') updateId(diff.pu, 'pu (futures diffs carry the previous u)');
  return { diff, bids: parseLevels(diff.bids, 'bids'), asks: parseLevels(diff.asks, 'asks') };
}

/** A snapshot with its levels parsed. */
export interface ParsedSnapshot {
  readonly lastUpdateId: number;
  readonly bids: ParsedLevel[];
  readonly asks: ParsedLevel[];
}

export function parseSnapshot(snapshot: DepthSnapshot): ParsedSnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) throw invalid('depth snapshot must be an object');
  return {
    lastUpdateId: updateId(snapshot.lastUpdateId, 'lastUpdateId'),
    bids: parseLevels(snapshot.bids, 'bids'),
    asks: parseLevels(snapshot.asks, 'asks'),
  };
}
