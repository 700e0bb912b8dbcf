/**
 * `ticker/bookTicker` bodies: the best bid and ask of the same book `/depth` serves at that
 * instant, so a poller sees one market whichever endpoint it reads.
 */
import type { MarketActivity } from './book.ts';
import { formatDecimal } from './decimal.ts';
import type { SymbolDef } from './universe.ts';

/** The best level of each side; a halted symbol's empty book reads as zeros, as Binance sends. */
export function bookTicker(activity: MarketActivity, def: SymbolDef, now: number): Record<string, unknown> {
  const book = activity.depth(def, 1, now);
  const zeroPrice = formatDecimal(0, def.padTo || def.priceDecimals);
  const zeroQty = formatDecimal(0, def.padTo || def.qtyDecimals);
  const [bidPrice, bidQty] = book.bids[0] ?? [zeroPrice, zeroQty];
  const [askPrice, askQty] = book.asks[0] ?? [zeroPrice, zeroQty];
  if (def.market === 'spot') return { symbol: def.symbol, bidPrice, bidQty, askPrice, askQty };
  // Futures lead with the book's update id and stamp the quote with the book's transaction time.
  return {
    lastUpdateId: book.lastUpdateId,
    symbol: def.symbol,
    bidPrice,
    bidQty,
    askPrice,
    askQty,
    time: book.T ?? now,
  };
}
