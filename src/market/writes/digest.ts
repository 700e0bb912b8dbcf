/**
 * What a batch is about to write, for the two listeners of every feed flush: the price alerts
 * (the newest price of each symbol) and the realtime fan-out to WebSocket clients (newest price,
 * book top and trade of each symbol, every changed candle). Read before the flush, since the
 * flush hands its queue to Redis; a write the monotonic scripts then ignore (an overlapping
 * leader's older value) was already older than what clients saw, so it is harmless to announce.
 */

import { isInterval, type MarketType } from '../../trading/index.ts';
import { decodeRecord, decodeTrade } from '../data/record-codec.ts';
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

export function digestOf(batch: MarketWriteBatch, market: MarketType): BatchDigest {
  const prices: PricePoint[] = [];
  const updates: MarketUpdate[] = [];
  for (const [symbol, pending] of batch.queuedSymbols()) {
    // The price lane's current price, else the newest price-setting tick; series-only ticks of
    // the bulk lane were announced when the price lane wrote them.
    const tick = pending.current
      ? newestTick([pending.current.value])
      : pending.ticksSetPrice
        ? newestTick(pending.ticks)
        : null;
    if (tick) {
      prices.push({ symbol, ...tick });
      updates.push({ kind: 'price', symbol, data: { symbol, market, ...tick } });
    }
    const trade = newestTrade(pending.trades);
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

/** The tick with the highest seq (`<seq>|<time>|<price>`). */
function newestTick(ticks: readonly string[]): { price: string; time: number } | null {
  let best: string[] | null = null;
  let bestSeq = Number.NEGATIVE_INFINITY;
  for (const tick of ticks) {
    const parts = tick.split('|');
    const seq = Number(parts[0]);
    if (seq >= bestSeq) {
      bestSeq = seq;
      best = parts;
    }
  }
  return best ? { time: Number(best[1]), price: best[2] ?? '' } : null;
}

function newestTrade(trades: readonly string[]) {
  let best: ReturnType<typeof decodeTrade> = null;
  for (const element of trades) {
    const trade = decodeTrade(element);
    if (trade && (!best || trade.id > best.id)) best = trade;
  }
  return best;
}
