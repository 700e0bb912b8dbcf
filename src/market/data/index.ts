export { MarketDataCache, type MarketDataCacheDeps } from './market-data-cache.ts';
export {
  DEFAULT_RETENTION_MS,
  type LiveMarketOptions,
  type ResolvedLiveMarketOptions,
  type RetentionPart,
  resolveLiveMarketOptions,
} from './options.ts';
export type {
  BookTicker,
  BookTickerUpdate,
  MarketSnapshot,
  OrderBookUpdate,
  PremiumIndex,
  PremiumIndexUpdate,
  PricePoint,
  RecentTrade,
  Stats24h,
  Stats24hUpdate,
  StoredOrderBook,
  SymbolInfo,
  TradeSide,
  WriteOrder,
} from './types.ts';
