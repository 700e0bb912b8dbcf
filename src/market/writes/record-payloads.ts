/**
 * Payloads of the single-value records. Best bid/ask is the hottest (every book change on the
 * stream), so it is four `|`-joined decimals; the rarer, nested ones are JSON.
 */

import type { DepthLevel } from '../../trading/index.ts';
import type { BookTickerUpdate, OrderBookUpdate, PremiumIndexUpdate, Stats24hUpdate } from '../data/types.ts';
import {
  checkDecimal,
  checkDecimalOrNull,
  checkIntegerOrNull,
  checkSignedDecimalOrNull,
} from './validate.ts';

export function encodeBookTicker(u: BookTickerUpdate): string {
  return [
    checkDecimal('bidPrice', u.bidPrice),
    checkDecimal('bidQty', u.bidQty),
    checkDecimal('askPrice', u.askPrice),
    checkDecimal('askQty', u.askQty),
  ].join('|');
}

/** `{ u, b, a }` with at most `depth` levels per side, best first, as given. */
export function encodeOrderBook(book: OrderBookUpdate, depth: number): string {
  const side = (levels: readonly DepthLevel[], name: string) =>
    levels
      .slice(0, depth)
      .map(([p, q]) => [checkDecimal(`${name} price`, p), checkDecimal(`${name} quantity`, q)]);
  return JSON.stringify({ u: book.lastUpdateId, b: side(book.bids, 'bid'), a: side(book.asks, 'ask') });
}

/** Every member as sent; one that was not sent is stored as null. */
export function encodeStats24h(s: Stats24hUpdate): string {
  return JSON.stringify({
    openPrice: checkDecimalOrNull('openPrice', s.openPrice),
    highPrice: checkDecimalOrNull('highPrice', s.highPrice),
    lowPrice: checkDecimalOrNull('lowPrice', s.lowPrice),
    lastPrice: checkDecimalOrNull('lastPrice', s.lastPrice),
    volume: checkDecimalOrNull('volume', s.volume),
    quoteVolume: checkDecimalOrNull('quoteVolume', s.quoteVolume),
    priceChange: checkSignedDecimalOrNull('priceChange', s.priceChange),
    priceChangePercent: checkSignedDecimalOrNull('priceChangePercent', s.priceChangePercent),
    weightedAvgPrice: checkDecimalOrNull('weightedAvgPrice', s.weightedAvgPrice),
    count: checkIntegerOrNull('count', s.count),
    openTime: checkIntegerOrNull('openTime', s.openTime),
    closeTime: checkIntegerOrNull('closeTime', s.closeTime),
  });
}

export function encodePremiumIndex(p: PremiumIndexUpdate): string {
  return JSON.stringify({
    markPrice: checkDecimal('markPrice', p.markPrice),
    indexPrice: checkDecimalOrNull('indexPrice', p.indexPrice),
    fundingRate: checkSignedDecimalOrNull('fundingRate', p.fundingRate),
    nextFundingTime: checkIntegerOrNull('nextFundingTime', p.nextFundingTime),
  });
}
