import { ErrorCodes, TradecacheError } from '../errors.ts';

const DAY_MS = 86_400_000;

/** Default widest range a caller may ask for: five (leap) years. */
export const DEFAULT_MAX_RANGE_DAYS = 366 * 5;

// Date only, or date-time with optional seconds, fraction and offset. Anchored and strict, so
// `Date.parse` leniency (e.g. "2024-02-30" rolling into March) never decides what a user meant.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH_MS = /^\d{1,15}$/;

function invalid(message: string, value: unknown): TradecacheError {
  return new TradecacheError(ErrorCodes.HISTORY_RANGE_INVALID, message, {
    context: { value: String(value).slice(0, 40) },
  });
}

/**
 * Parses a point in time: an ISO 8601 date (`2024-01-31`) or date-time (`2024-01-31T12:00`,
 * UTC when no offset is given; `Z` or `±HH:MM` accepted), or epoch milliseconds (number or
 * digit string). Anything else throws HISTORY_RANGE_INVALID.
 */
export function parseTimeInput(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw invalid('time must be a non-negative integer of epoch milliseconds', value);
  }
  if (typeof value !== 'string') throw invalid('time is missing', value);
  const text = value.trim();
  if (EPOCH_MS.test(text)) return Number(text);
  const m = ISO.exec(text);
  if (!m) throw invalid(`unparsable time: ${text.slice(0, 40)} (use ISO 8601 or epoch ms)`, value);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw invalid(`not a calendar date/time: ${text.slice(0, 40)}`, value);
  }
  return local - zoneOffsetMs(zone, value);
}

function zoneOffsetMs(zone: string | undefined, value: unknown): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 14 || minutes > 59) throw invalid('bad UTC offset', value);
  return sign * (hours * 60 + minutes) * 60_000;
}

/** A half-open time range [start, end) in epoch ms. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

export interface RangeOptions {
  /** Widest allowed range in days. @default 1830 (366 * 5) */
  readonly maxRangeDays?: number;
}

/**
 * Parses and checks a range; `end` is exclusive. Reversed, empty or too wide ranges throw
 * HISTORY_RANGE_INVALID before anything is fetched or written.
 */
export function parseRange(start: unknown, end: unknown, options: RangeOptions = {}): TimeRange {
  const from = parseTimeInput(start);
  const to = parseTimeInput(end);
  if (to <= from) {
    throw new TradecacheError(
      ErrorCodes.HISTORY_RANGE_INVALID,
      'end must be after start (end is exclusive)',
      {
        context: { start: from, end: to },
      },
    );
  }
  const maxDays = options.maxRangeDays ?? DEFAULT_MAX_RANGE_DAYS;
  if (to - from > maxDays * DAY_MS) {
    throw new TradecacheError(
      ErrorCodes.HISTORY_RANGE_INVALID,
      `range is longer than the maximum of ${maxDays} days`,
      { context: { start: from, end: to, maxRangeDays: maxDays } },
    );
  }
  return { start: from, end: to };
}
