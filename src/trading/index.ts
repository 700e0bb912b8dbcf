/**
 * The trading vocabulary every part of tradecache speaks: markets, symbols, kline intervals and
 * their arithmetic, kline rows, market data shapes and the exchange port. It depends on nothing
 * but the error catalog, so `exchange/`, `history/`, `redis/` and the HTTP edge can all import it.
 */
export type {
  AggTradeQuery,
  ExchangeClient,
  KlineQuery,
  RequestOptions,
  ServerTimeOffset,
  WeightedEndpoint,
  WeightParams,
  WeightSnapshot,
} from './exchange-client.ts';
export type { InstrumentType, MarketInfo } from './instruments.ts';
export {
  alignDown,
  alignUp,
  assertInterval,
  expectedCandles,
  intervalMs,
  intervalsFor,
  isInterval,
  KLINE_INTERVALS,
  type KlineInterval,
  nextOpen,
  previousOpen,
} from './intervals.ts';
export type { Kline } from './klines.ts';
export { assertMarket, isMarketType, MARKET_TYPES, type MarketType } from './markets.ts';
export type {
  AggTrade,
  BookTicker,
  DepthLevel,
  OrderBook,
  PremiumIndex,
  Ticker24h,
  TickerPrice,
  Trade,
} from './quotes.ts';
export { assertSymbol, isSymbol, SYMBOL_PATTERN } from './symbols.ts';
