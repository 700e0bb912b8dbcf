/**
 * Live market data as tradecache stores and answers it. Prices and quantities are the exchange's
 * decimal strings exactly as sent (`"60650.00000000"` keeps its zeros); times are epoch ms.
 */
import type { DepthLevel, MarketInfo, MarketType } from '../../trading/index.ts';

/**
 * The exchange's ordering of a write: `seq` decides which of two writes is newer (the stream
 * event time `E`, the book's `lastUpdateId`, the trade id, or the exchange's server time for a
 * REST answer without one); `time` is the exchange time of the data, for freshness. Within one
 * record kind of one symbol, every writer must use the same kind of `seq`.
 */
export interface WriteOrder {
  /** Non-negative safe integer; a write whose seq is not above the stored one is ignored. */
  readonly seq: number;
  /** Exchange time (epoch ms) of the data; null when the exchange gave none. @default null */
  readonly time?: number | null;
}

/** A current price with the exchange time it was true at. */
export interface PricePoint {
  readonly price: string;
  readonly time: number;
}

/** Best bid and ask (bookTicker). */
export interface BookTickerUpdate {
  readonly bidPrice: string;
  readonly bidQty: string;
  readonly askPrice: string;
  readonly askQty: string;
}

export interface BookTicker extends BookTickerUpdate {
  readonly time: number | null;
}

/** An order book; only the best `ORDER_BOOK_DEPTH` levels per side are stored. */
export interface OrderBookUpdate {
  readonly lastUpdateId: number;
  /** Best first (highest bid first). */
  readonly bids: readonly DepthLevel[];
  /** Best first (lowest ask first). */
  readonly asks: readonly DepthLevel[];
}

export interface StoredOrderBook extends OrderBookUpdate {
  readonly time: number | null;
}

/** Taker side of a trade: `buy` when the buyer took liquidity (`isBuyerMaker` false). */
export type TradeSide = 'buy' | 'sell';

export interface RecentTrade {
  /** Trade id (aggregate trade id for aggTrade); the ordering of the trade list. */
  readonly id: number;
  readonly price: string;
  readonly quantity: string;
  readonly side: TradeSide;
  readonly time: number;
}

/**
 * The exchange's 24h statistics, every member as it sent it (strings stay strings); a member
 * the exchange did not send is null.
 */
export interface Stats24h {
  readonly openPrice: string | null;
  readonly highPrice: string | null;
  readonly lowPrice: string | null;
  readonly lastPrice: string | null;
  readonly volume: string | null;
  readonly quoteVolume: string | null;
  readonly priceChange: string | null;
  readonly priceChangePercent: string | null;
  readonly weightedAvgPrice: string | null;
  readonly count: number | null;
  readonly openTime: number | null;
  readonly closeTime: number | null;
}

export type Stats24hUpdate = { readonly [K in keyof Stats24h]?: Stats24h[K] | undefined };

/** Futures mark price and funding (`/fapi/v1/premiumIndex`, `<s>@markPrice`). */
export interface PremiumIndexUpdate {
  readonly markPrice: string;
  readonly indexPrice: string | null;
  /** Signed decimal string (`"-0.00010000"`). */
  readonly fundingRate: string | null;
  readonly nextFundingTime: number | null;
}

export interface PremiumIndex extends PremiumIndexUpdate {
  readonly time: number | null;
}

/** Symbol information as cached (the normalised exchangeInfo entry). */
export type SymbolInfo = MarketInfo;

/** Everything cached about one symbol; a member never written (or expired) is null. */
export interface MarketSnapshot {
  readonly symbol: string;
  readonly market: MarketType;
  readonly price: PricePoint | null;
  readonly bookTicker: BookTicker | null;
  readonly orderBook: StoredOrderBook | null;
  /** The newest trade. */
  readonly trade: RecentTrade | null;
  readonly stats24h: Stats24h | null;
  /** Futures only; null on spot. */
  readonly premiumIndex: PremiumIndex | null;
}
