/** Public API of the historical kline store and backtest service. */
export { type ArchiveFileInfo, parseArchiveFileName, readArchiveKlines } from './archive-import.ts';
export { storeFailed, writeFileAtomic } from './atomic-file.ts';
export {
  BacktestService,
  type BacktestServiceOptions,
  type FetchProgress,
  type HistoryFetchOptions,
  type ImportOptions,
} from './backtest-service.ts';
export { chooseCovering, mergeKlines, missingSpans } from './coverage.ts';
export {
  DEFAULT_MAX_RANGE_DAYS,
  parseRange,
  parseTimeInput,
  type RangeOptions,
  type TimeRange,
} from './dates.ts';
export { HistoryStore, type HistoryStoreOptions } from './history-store.ts';
export {
  csvLineSlices,
  formatKlinesCsv,
  KLINE_CSV_HEADER,
  parseKlinesCsv,
  parseKlinesCsvYielding,
  yieldToEventLoop,
} from './kline-csv.ts';
export { DEFAULT_WEIGHT_LIMITS, PAGE_LIMIT, type Sleep } from './kline-pager.ts';
export { assertCandleCap, DEFAULT_MAX_CANDLES } from './request-limits.ts';
export { SharedFlights } from './shared-flight.ts';
export {
  type BacktestResult,
  type BacktestTrade,
  checkSmaParams,
  type EquityPoint,
  runSmaCrossover,
  type SmaCrossoverParams,
} from './sma-backtest.ts';
export type { HistoryCacheInfo, HistoryEntryMeta, HistoryRequest } from './store-types.ts';
export { readStoredKlines, type StoredRangeSource } from './stored-reader.ts';
