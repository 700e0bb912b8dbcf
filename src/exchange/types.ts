/**
 * The exchange as the rest of tradecache sees it. One interface; the Binance REST client
 * implements it, and the simulated exchange speaks the same wire protocol, so demo, tests and
 * production run the same client code.
 */
export type MarketType = 'spot' | 'futures';

export const MARKET_TYPES: readonly MarketType[] = ['spot', 'futures'];

/** What kind of instrument a symbol is. */
export type InstrumentType = 'spot' | 'perpetual' | 'delivery' | 'other';

/** A tradable symbol, normalised from exchangeInfo. Decimal values stay strings (exact). */
export interface MarketInfo {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** Exchange status as sent (`TRADING`, `BREAK`, `SETTLING`, ...); unknown values are kept. */
  readonly status: string;
  readonly type: InstrumentType;
  /** PRICE_FILTER.tickSize, or null when the filter is missing. */
  readonly tickSize: string | null;
  /** LOT_SIZE.stepSize, or null when the filter is missing. */
  readonly stepSize: string | null;
  /** NOTIONAL.minNotional (spot), MIN_NOTIONAL.minNotional (old spot) or MIN_NOTIONAL.notional (futures). */
  readonly minNotional: string | null;
  /** Futures only: PERPETUAL, CURRENT_QUARTER, ... (raw). */
  readonly contractType?: string;
}

export interface TickerPrice {
  readonly symbol: string;
  readonly price: string;
  /** Futures responses carry the time of the price. */
  readonly time?: number;
}

export interface Ticker24h {
  readonly symbol: string;
  readonly priceChange: string;
  readonly priceChangePercent: string;
  readonly lastPrice: string;
  readonly openPrice: string;
  readonly highPrice: string;
  readonly lowPrice: string;
  readonly volume: string;
  readonly quoteVolume: string;
  readonly openTime: number;
  readonly closeTime: number;
  readonly count: number;
}

/** [price, quantity] as decimal strings. */
export type DepthLevel = readonly [string, string];

export interface OrderBook {
  readonly lastUpdateId: number;
  readonly bids: readonly DepthLevel[];
  readonly asks: readonly DepthLevel[];
}

export interface Trade {
  readonly id: number;
  readonly price: string;
  readonly qty: string;
  readonly quoteQty: string;
  readonly time: number;
  readonly isBuyerMaker: boolean;
}

/**
 * One candle, in the 12-column order of the Binance kline array and archive CSV, so it can be
 * written back byte-for-byte. Prices and volumes are decimal strings.
 */
export interface Kline {
  readonly openTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly closeTime: number;
  readonly quoteVolume: string;
  readonly trades: number;
  readonly takerBuyBaseVolume: string;
  readonly takerBuyQuoteVolume: string;
  readonly ignore: string;
}

export const KLINE_INTERVALS = [
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const;
export type KlineInterval = (typeof KLINE_INTERVALS)[number];

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
