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

/** Best bid and ask of one symbol (`ticker/bookTicker`). */
export interface BookTicker {
  readonly symbol: string;
  readonly bidPrice: string;
  readonly bidQty: string;
  readonly askPrice: string;
  readonly askQty: string;
  /** Futures only: the exchange's time of the quote (spot sends none). */
  readonly time?: number;
  /** Futures only: the order-book update the quote was taken from. */
  readonly lastUpdateId?: number;
}

/** Mark price, index price and funding of one USDⓈ-M contract (`/fapi/v1/premiumIndex`). */
export interface PremiumIndex {
  readonly symbol: string;
  readonly markPrice: string;
  readonly indexPrice: string;
  readonly estimatedSettlePrice: string;
  /** Funding rate of the last settled period; null for delivery contracts (Binance sends ""). */
  readonly lastFundingRate: string | null;
  /** null for delivery contracts (Binance sends ""). */
  readonly interestRate: string | null;
  /** Epoch ms of the next funding; null for delivery contracts (Binance sends 0). */
  readonly nextFundingTime: number | null;
  /** The exchange's time of these values. */
  readonly time: number;
}

/**
 * One aggregate trade (`aggTrades`): consecutive fills of one taker order at one price (futures:
 * within 100 ms, same price and side), standing for exchange trades `firstTradeId..lastTradeId`.
 */
export interface AggTrade {
  /** Aggregate trade id (`a`), increasing; distinct from trade ids. */
  readonly id: number;
  readonly price: string;
  readonly qty: string;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  readonly time: number;
  readonly isBuyerMaker: boolean;
}
