/**
 * The exchange as the rest of tradecache sees it. One interface (the port the market domain
 * needs); the Binance REST client in `exchange/` implements it, and the simulated exchange speaks
 * the same wire protocol, so demo, tests and production run the same client code.
 */
import type { MarketInfo } from './instruments.ts';
import type { KlineInterval } from './intervals.ts';
import type { Kline } from './klines.ts';
import type { MarketType } from './markets.ts';
import type { OrderBook, Ticker24h, TickerPrice, Trade } from './quotes.ts';

export interface KlineQuery {
  readonly symbol: string;
  readonly interval: KlineInterval;
  readonly startTime?: number;
  readonly endTime?: number;
  /** Spot max 1000, futures max 1500; default 500. */
  readonly limit?: number;
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
  weight(market: MarketType): WeightSnapshot;
}
