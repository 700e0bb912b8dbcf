/**
 * The public API of the `tradecache` package: what a backend engineer imports to embed the cache
 * engine, the domain caches or the whole service. Everything else under `src/` is internal and
 * may change without notice. Nothing here connects or starts anything at import time.
 */

// The whole service: config from the environment, the object graph, the HTTP server.
export { type AppContext, type AppOptions, type AppRole, createApp } from './app.ts';
// The cache engine (L1 memory + Redis, single flight across processes, bus invalidation).
export * from './cache/index.ts';
export { loadConfig } from './config/load.ts';
export type { Config } from './config/types.ts';
export {
  type ErrorCode,
  ErrorCodes,
  errorMessage,
  isTradecacheError,
  TradecacheError,
} from './errors.ts';
// The exchange: Binance REST client and the simulated exchange for demos and tests.
export { BinanceClient, type BinanceClientOptions, createBinanceClient } from './exchange/binance/index.ts';
export {
  type SimulatedExchange,
  type SimulatedExchangeOptions,
  startSimulatedExchange,
} from './exchange/simulated/index.ts';
// Historical klines on the filesystem and the backtest service.
export {
  BacktestService,
  type BacktestServiceOptions,
  HistoryStore,
  type HistoryStoreOptions,
} from './history/index.ts';
export { buildServer, listen } from './http/server.ts';
// Live market data: MarketDataCache and PriceCache per market, and the feed's write batch.
export type { MarketDataCache, MarketSnapshot, PricePoint } from './market/data/index.ts';
export { LiveMarket, type LiveMarketDeps } from './market/live-market.ts';
export type { Candle, CandleInterval, PriceCache, PriceChange } from './market/prices/index.ts';
// Exchange symbol lists.
export {
  SymbolCatalog,
  type SymbolCatalogDeps,
  type SymbolListing,
  type SymbolsResult,
} from './market/symbols/index.ts';
export type { FlushResult, MarketWriteBatch } from './market/writes/index.ts';
// WAIT for replicas after durable writes (the stores' `durable` option).
export { DurableAck, type DurableAckOptions } from './redis/durable-ack.ts';
// The key registry: every Redis key of a deployment, with its validators.
export { createKeys, type Keys, UNPREFIXED_ROOT } from './redis/keys/index.ts';
// Sessions, users, preferences, authentication and rate limits.
export {
  type RateLimitDecision,
  RateLimiter,
  SessionAuthenticator,
  type SessionData,
  UserDirectory,
  type UserPreferences,
  UserPreferencesStore,
  UserSessionCache,
} from './sessions/index.ts';
// The trading vocabulary: markets, symbols, intervals, klines, market data, the exchange port.
export * from './trading/index.ts';
