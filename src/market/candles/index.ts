export { aggregateCandles, type CandleInput } from './aggregate.ts';
export { CandleSeries, MAX_EMPTY_CANDLES } from './candle-series.ts';
export { type CandleSnapshot, TradeCandles, type TradeResult } from './trade-candles.ts';
export {
  type AggTrade,
  CANDLE_INTERVALS,
  type Candle,
  type CandleInterval,
  type TradeOutcome,
} from './types.ts';
