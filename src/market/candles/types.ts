/** Inputs and outputs of the candle builder. Prices and volumes are decimal strings. */
import type { KlineInterval } from '../../trading/index.ts';

/** The intervals the feed builds from trades (each a whole number of the one before). */
export const CANDLE_INTERVALS = [
  '1m',
  '5m',
  '15m',
  '1h',
  '4h',
  '1d',
] as const satisfies readonly KlineInterval[];
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

/** One aggregated trade (Binance `aggTrade`: `p`, `q`, `f`, `l`, `T`, `m`). */
export interface AggTrade {
  readonly price: string;
  readonly quantity: string;
  /** First and last trade id the row stands for (`f`, `l`): it counts `l - f + 1` trades. */
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  /** Trade time, epoch ms (`T`). */
  readonly time: number;
  /** `m`: the buyer was the maker, so the taker sold. Omitted: taker-buy volumes are not kept. */
  readonly buyerIsMaker?: boolean;
}

/**
 * One OHLCV candle as the exchange's kline describes it. Prices are the trade strings as
 * received; volumes are exact sums printed without trailing zeros (`"208601"`, never rounded).
 */
export interface Candle {
  readonly interval: CandleInterval;
  /** Aligned to the interval in UTC. */
  readonly openTime: number;
  /** openTime + interval - 1 (Binance convention). */
  readonly closeTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  /** Σ quantity. */
  readonly volume: string;
  /** Σ price × quantity, exact. */
  readonly quoteVolume: string;
  /** Σ quantity of trades whose taker bought (`m` false). */
  readonly takerBuyVolume: string;
  readonly takerBuyQuoteVolume: string;
  /** Number of trades (Σ `l - f + 1`), like the kline's `n`. */
  readonly trades: number;
  /** First and last trade id in the candle; -1 for a candle without trades (as the kline stream). */
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  /** True once its time has passed (or a later trade arrived). */
  readonly closed: boolean;
}

/**
 * What is stored and served of a candle (the ohlcv route's and the WebSocket channel's shape),
 * with the last trade id counted in it, which orders its versions.
 */
export type CandleBar = Pick<
  Candle,
  | 'openTime'
  | 'closeTime'
  | 'open'
  | 'high'
  | 'low'
  | 'close'
  | 'volume'
  | 'quoteVolume'
  | 'trades'
  | 'closed'
> & { readonly lastTradeId: number };

/** What happened to one trade in one interval's series. */
export type TradeOutcome =
  | 'applied'
  /** `lastTradeId` ≤ the last applied id: already counted (replay, restart, failover). */
  | 'duplicate'
  /** Some of its trades were already counted: it cannot be split, so it is left out. */
  | 'overlap'
  /** Older than the open candle (its candle was already closed and handed on). */
  | 'late';
