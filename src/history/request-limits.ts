import { ErrorCodes, TradecacheError } from '../errors.ts';
import { expectedCandles } from '../trading/index.ts';
import type { HistoryRequest } from './store-types.ts';

/** Default most candles one HTTP request may cover (`HISTORY_MAX_CANDLES`). */
export const DEFAULT_MAX_CANDLES = 100_000;

/**
 * Refuses a request covering more than `maxCandles` candles ((end - start) / interval), with
 * VALIDATION_FAILED naming the cap. Checked before the store or the exchange is asked: the
 * range limit in days alone lets 1,830 days of `1s` (~158M candles) through.
 */
export function assertCandleCap(req: HistoryRequest, maxCandles: number): number {
  const candles = expectedCandles(req.interval, req.start, req.end);
  if (candles > maxCandles) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      `range holds ${candles} candles of ${req.interval}, more than the maximum of ${maxCandles} per request: ask for a shorter range or a longer interval`,
      { context: { candles, maxCandles, interval: req.interval } },
    );
  }
  return candles;
}
