/**
 * The market updates the feed fans out to every API process (Redis pub/sub on
 * `keys.market.updatesChannel(market)`), one message per flush holding every update of it. The
 * WebSocket channels send each update's `data` as it is here.
 */

import { isSymbol, type KlineInterval, type MarketType } from '../../trading/index.ts';
import type { RecentTrade, StoredOrderBook } from '../data/types.ts';
import type { Candle } from '../prices/candle-codec.ts';

/** `price:<S>`: the current price. */
export interface PriceUpdate {
  readonly kind: 'price';
  readonly symbol: string;
  readonly data: {
    readonly symbol: string;
    readonly market: MarketType;
    readonly price: string;
    readonly time: number;
  };
}

/** `book:<S>`: the top levels, as the market data route answers them. */
export interface BookUpdate {
  readonly kind: 'book';
  readonly symbol: string;
  readonly data: Pick<StoredOrderBook, 'lastUpdateId' | 'bids' | 'asks'>;
}

/** `trades:<S>`: one trade. */
export interface TradeUpdate {
  readonly kind: 'trade';
  readonly symbol: string;
  readonly data: RecentTrade;
}

/** `candles:<S>:<interval>`: the changed candle. */
export interface CandleUpdate {
  readonly kind: 'candle';
  readonly symbol: string;
  readonly interval: KlineInterval;
  readonly data: Candle;
}

export type MarketUpdate = PriceUpdate | BookUpdate | TradeUpdate | CandleUpdate;

/** The message on the updates channel. */
export interface MarketUpdateMessage {
  readonly market: MarketType;
  readonly updates: readonly MarketUpdate[];
}

const KINDS = new Set(['price', 'book', 'trade', 'candle']);

/**
 * The updates of a channel message, or null when it is not one (a foreign publisher, a bug):
 * the subscriber drops it instead of sending garbage to sockets.
 */
export function parseUpdateMessage(text: string, market: MarketType): MarketUpdate[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { market: m, updates } = parsed as { market?: unknown; updates?: unknown };
  if (m !== market || !Array.isArray(updates)) return null;
  return updates.filter(
    (u): u is MarketUpdate =>
      typeof u === 'object' &&
      u !== null &&
      KINDS.has((u as MarketUpdate).kind) &&
      isSymbol((u as MarketUpdate).symbol) &&
      typeof (u as MarketUpdate).data === 'object' &&
      (u as MarketUpdate).data !== null,
  );
}
