// Market data as the exchange sends it: prices, 24h statistics, books, trades. Decimals stay strings.

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
