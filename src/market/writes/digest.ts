/**
 * What a batch is about to write, for the two listeners of every feed flush: the price alerts
 * (the newest price of each symbol) and the realtime fan-out to WebSocket clients (newest price,
 * book top and trade of each symbol, every changed candle). Read before the flush, since the
 * flush hands its queue to Redis; a write the monotonic scripts then ignore (an overlapping
 * leader's older value) was already older than what clients saw, so it is harmless to announce.
 */

import { isInterval, type MarketType } from '../../trading/index.ts';
import { decodeRecord } from '../data/record-codec.ts';
import type { MarketUpdate } from '../realtime/updates.ts';
import type { MarketWriteBatch } from './write-batch.ts';

export interface PricePoint {
  readonly symbol: string;
  readonly price: string;
  readonly time: number;
}

export interface BatchDigest {
  readonly prices: readonly PricePoint[];
  readonly updates: readonly MarketUpdate[];
}

/**
 * `announces`: whether a symbol's updates are wanted (some WebSocket client watches it); the
 * others' are not built at all (a flush holds every symbol of the market). Prices are always
 * collected: the alerts check every symbol.
 */
export function digestOf(
  batch: MarketWriteBatch,
  market: MarketType,
  announces: (symbol: string) => boolean = () => true,
): BatchDigest {
  const prices: PricePoint[] = [];
  const updates: MarketUpdate[] = [];
  for (const [symbol, pending] of batch.queuedSymbols()) {
    // The price lane's current price, else the newest price-setting tick; series-only ticks of
    // the bulk lane were announced when the price lane wrote them.
    const tick = pending.current
      ? currentTick(pending.current.value)
      : pending.ticksSetPrice
        ? pending.ticks.newest()
        : null;
    if (tick) prices.push({ symbol, price: tick.price, time: tick.time });
    if (!announces(symbol)) continue;
    if (tick)
      updates.push({ kind: 'price', symbol, data: { symbol, market, price: tick.price, time: tick.time } });
    const trade = pending.trades.newest();
    if (trade) updates.push({ kind: 'trade', symbol, data: trade });
    const book = decodeRecord(pending.records.get('orderBook')?.value ?? null);
    if (book) {
      const { u, b, a } = JSON.parse(book.payload) as {
        u: number;
        b: [string, string][];
        a: [string, string][];
      };
      updates.push({ kind: 'book', symbol, data: { lastUpdateId: u, bids: b, asks: a } });
    }
    for (const [field, { candle }] of pending.candles) {
      const interval = field.slice(0, field.indexOf(':'));
      if (isInterval(interval)) updates.push({ kind: 'candle', symbol, interval, data: candle });
    }
  }
  return { prices, updates };
}

/** The price lane's record `<seq>|<time>|<price>` as a tick. */
function currentTick(value: string): { price: string; time: number } {
  const first = value.indexOf('|');
  const second = value.indexOf('|', first + 1);
  return { time: Number(value.slice(first + 1, second)), price: value.slice(second + 1) };
}
