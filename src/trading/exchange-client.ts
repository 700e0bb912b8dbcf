/**
 * The exchange as the rest of tradecache sees it. One interface (the port the market domain
 * needs); the Binance REST client in `exchange/` implements it, and the simulated exchange speaks
 * the same wire protocol, so demo, tests and production run the same client code.
 */
import type { MarketInfo } from './instruments.ts';
import type { KlineInterval } from './intervals.ts';
import type { Kline } from './klines.ts';
import type { MarketType } from './markets.ts';
import type {
  AggTrade,
  BookTicker,
  OrderBook,
  PremiumIndex,
  Ticker24h,
  TickerPrice,
  Trade,
} from './quotes.ts';

export interface KlineQuery {
  readonly symbol: string;
  readonly interval: KlineInterval;
  readonly startTime?: number;
  readonly endTime?: number;
  /** Spot max 1000, futures max 1500; default 500. */
  readonly limit?: number;
}

/**
 * Which aggregate trades to fetch. With `fromId`: from that aggregate id on. With `startTime`
 * (and `endTime`): from that time on, a window shorter than one hour. With only `endTime`: the
 * latest up to it. With none: the most recent.
 */
export interface AggTradeQuery {
  readonly symbol: string;
  /** First aggregate trade id wanted (inclusive). */
  readonly fromId?: number;
  /** Epoch ms, inclusive. */
  readonly startTime?: number;
  /** Epoch ms, inclusive; less than one hour after `startTime` when both are given. */
  readonly endTime?: number;
  /** Default 500, max 1000. */
  readonly limit?: number;
}

/**
 * What the client has learnt of the exchange's clock: the exchange's time minus ours. Every REST
 * answer teaches it (its `Date` header, whole seconds) and `getServerTime` sharpens it (the
 * `serverTime` body, within half the round trip). The true offset lies in
 * `offsetMs ± uncertaintyMs`.
 */
export interface ServerTimeOffset {
  readonly offsetMs: number;
  readonly uncertaintyMs: number;
  /** Which kind of answer gave the sharper of the bounds combined last. */
  readonly source: 'date-header' | 'server-time';
  /** Our epoch ms of the latest answer that agreed with the estimate. */
  readonly observedAt: number;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
}

/** Request weight the exchange reported for the current minute (X-MBX-USED-WEIGHT-1M). */
export interface WeightSnapshot {
  readonly usedWeight1m: number | null;
  readonly observedAt: number | null;
  /** Epoch ms until which calls are paused after a 429/418; null when not paused. */
  readonly pausedUntil: number | null;
}

export interface ExchangeClient {
  /** All symbols of a market, normalised (spot: /api/v3/exchangeInfo, futures: /fapi/v1/exchangeInfo). */
  getMarkets(market: MarketType, options?: RequestOptions): Promise<MarketInfo[]>;
  /** One symbol's price, or every symbol's when `symbol` is omitted. */
  getTickerPrices(market: MarketType, symbol?: string, options?: RequestOptions): Promise<TickerPrice[]>;
  get24hTickers(market: MarketType, symbol?: string, options?: RequestOptions): Promise<Ticker24h[]>;
  getOrderBook(
    market: MarketType,
    symbol: string,
    limit?: number,
    options?: RequestOptions,
  ): Promise<OrderBook>;
  getRecentTrades(
    market: MarketType,
    symbol: string,
    limit?: number,
    options?: RequestOptions,
  ): Promise<Trade[]>;
  getKlines(market: MarketType, query: KlineQuery, options?: RequestOptions): Promise<Kline[]>;
  /** Best bid/ask of one symbol, or of every symbol when `symbol` is omitted. */
  getBookTickers(market: MarketType, symbol?: string, options?: RequestOptions): Promise<BookTicker[]>;
  /**
   * Mark/index price and funding of one futures contract, or of all when `symbol` is omitted.
   * There is no spot equivalent: refused with EXCHANGE_BAD_REQUEST for `spot`, without a request.
   */
  getPremiumIndex(market: MarketType, symbol?: string, options?: RequestOptions): Promise<PremiumIndex[]>;
  /** Aggregate trades, oldest first (see AggTradeQuery for the selection rules). */
  getAggTrades(market: MarketType, query: AggTradeQuery, options?: RequestOptions): Promise<AggTrade[]>;
  /** The exchange's clock (`/api/v3/time`, `/fapi/v1/time`), epoch ms; also sharpens `serverTimeOffset`. */
  getServerTime(market: MarketType, options?: RequestOptions): Promise<number>;
  /** The learnt offset of the exchange's clock; null before the first answer of that market. */
  serverTimeOffset(market: MarketType): ServerTimeOffset | null;
  /**
   * The exchange's time now by its own clock, as a lower bound (our clock + the smallest offset
   * consistent with every answer); null before the first answer. Read it just before a REST call
   * to stamp an answer that carries no exchange time: the exchange made the answer at or after
   * this time, so the stamp never ranks it above a stream event it may not contain.
   */
  serverNow(market: MarketType): number | null;
  /** Binance's documented request weight of one call, for budgeting before it is sent. */
  requestWeight(market: MarketType, endpoint: WeightedEndpoint, params?: WeightParams): number;
  weight(market: MarketType): WeightSnapshot;
}

/** The public endpoints whose weight `requestWeight` knows, named as below the market prefix. */
export type WeightedEndpoint =
  | 'exchangeInfo'
  | 'ticker/price'
  | 'ticker/24hr'
  | 'ticker/bookTicker'
  | 'premiumIndex'
  | 'depth'
  | 'trades'
  | 'aggTrades'
  | 'klines'
  | 'time';

/** The parameters a weight depends on: one symbol or all, and the depth/kline limit. */
export interface WeightParams {
  readonly symbol?: string;
  readonly limit?: number;
}
