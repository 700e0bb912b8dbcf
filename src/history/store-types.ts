import type { KlineInterval, MarketType } from '../trading/index.ts';

/** One stored range of candles: what a store entry is keyed by. `end` is exclusive (epoch ms). */
export interface HistoryRequest {
  readonly symbol: string;
  readonly interval: KlineInterval;
  readonly start: number;
  readonly end: number;
  readonly market: MarketType;
}

/** Contents of `<key>_meta.json`. */
export interface HistoryEntryMeta {
  readonly version: 1;
  readonly key: string;
  readonly symbol: string;
  readonly interval: KlineInterval;
  readonly start: number;
  readonly end: number;
  /**
   * End of the span the rows really cover: `end`, or the open time of the candle that was still
   * open at caching time (that candle is never stored as final, so it is fetched again later).
   */
  readonly coveredEnd: number;
  readonly marketType: MarketType;
  /** Epoch ms. */
  readonly cachedAt: number;
  readonly rows: number;
  /** SHA-256 (hex) of the CSV file bytes; a file that does not match is never served. */
  readonly sha256: string;
  readonly bytes: number;
  readonly timeUnit: 'ms';
}

/** What `getCacheInfo` reports (the Python platform's /cache/info). */
export interface HistoryCacheInfo {
  readonly dir: string;
  /** Data and metadata files (the Python platform counts every cache file). */
  readonly files: number;
  readonly entries: number;
  readonly symbols: string[];
  readonly totalBytes: number;
  /** Files moved aside after a checksum mismatch. */
  readonly corruptFiles: number;
}
