/**
 * The check of a queued candle at flush time, once it is encoded: one pattern over the encoded
 * value instead of ten member checks on the hot path; the detailed checks run only when the
 * pattern fails, to name the bad member.
 */
import type { Candle } from '../prices/candle-codec.ts';
import { checkDecimal, checkInteger } from './validate.ts';

const D = '\\d{1,30}(?:\\.\\d{1,36})?';
/** `encodeCandle`'s output for valid input: rank, final, times, six decimals, trades, closed. */
const CANDLE_VALUE = new RegExp(
  `^-?\\d{1,16}\\|[01]\\|\\d{1,16}\\|\\d{1,16}(?:\\|${D}){6}\\|\\d{1,16}\\|[01]$`,
);

/** The member types the pattern cannot see (`1.5` and `"1.5"` encode alike). */
function hasCandleTypes(c: Candle): boolean {
  return (
    typeof c.open === 'string' &&
    typeof c.high === 'string' &&
    typeof c.low === 'string' &&
    typeof c.close === 'string' &&
    typeof c.volume === 'string' &&
    typeof c.quoteVolume === 'string' &&
    typeof c.openTime === 'number' &&
    typeof c.closeTime === 'number' &&
    typeof c.trades === 'number'
  );
}

function checkCandle(candle: Candle): void {
  for (const field of ['open', 'high', 'low', 'close', 'volume', 'quoteVolume'] as const) {
    checkDecimal(`candle ${field}`, candle[field]);
  }
  checkInteger('candle openTime', candle.openTime);
  checkInteger('candle closeTime', candle.closeTime);
  checkInteger('candle trades', candle.trades);
}

/** Refuses (VALIDATION_FAILED, naming the member) a candle whose encoding is not well formed. */
export function checkEncodedCandle(candle: Candle, encoded: string): void {
  if (!hasCandleTypes(candle) || !CANDLE_VALUE.test(encoded)) checkCandle(candle);
}
