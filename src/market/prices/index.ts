export {
  CANDLE_INTERVALS,
  type Candle,
  type CandleInterval,
  type CandleOrder,
  isCandleInterval,
} from './candle-codec.ts';
export type { CleanupResult } from './cleanup.ts';
export { type CandleWithOrder, PriceCache, type PriceCacheDeps, type RangeQuery } from './price-cache.ts';
export { CHANGE_PERCENT_PLACES, type PriceChange } from './price-change.ts';
