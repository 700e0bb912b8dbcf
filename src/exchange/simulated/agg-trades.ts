/**
 * `aggTrades` bodies derived from the simulator's trades. Each simulated trade is its own taker
 * order at its own millisecond, so each aggregate stands for exactly one trade: the aggregate id
 * is the trade id and `f = l = id`. That keeps aggTrades identical to `/trades` (price, quantity,
 * time, side), and ids consecutive, so a consumer's gap check behaves as against Binance.
 */
import type { MarketActivity } from './book.ts';
import { BinanceApiError, limitParam, timeRange } from './params.ts';
import type { SymbolDef } from './universe.ts';

/** Binance refuses a startTime..endTime window of an hour or more. */
const MAX_WINDOW_MS = 3_600_000;

/** One row in the Binance shape (`M` on spot only). */
export interface AggTradeBody {
  a: number;
  p: string;
  q: string;
  f: number;
  l: number;
  T: number;
  m: boolean;
  M?: boolean;
}

function fromIdParam(q: URLSearchParams): number | undefined {
  const raw = q.get('fromId');
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,18}$/.test(raw)) {
    throw new BinanceApiError(
      400,
      -1100,
      "Illegal characters found in parameter 'fromId'; legal range is '^[0-9]{1,20}$'.",
    );
  }
  return Number(raw);
}

/**
 * The aggregate trades a query selects, oldest first, with Binance's rules: from `fromId` or
 * `startTime` onward (stopping at `endTime`), else the latest `limit` up to `endTime` or now.
 */
export function aggTrades(
  activity: MarketActivity,
  def: SymbolDef,
  q: URLSearchParams,
  now: number,
): AggTradeBody[] {
  const limit = limitParam(q, 500, 1000);
  const fromId = fromIdParam(q);
  const { startTime, endTime } = timeRange(q);
  if (startTime !== undefined && endTime !== undefined && endTime - startTime >= MAX_WINDOW_MS) {
    throw new BinanceApiError(400, -1127, 'More than 1 hours between startTime and endTime.');
  }
  const firstListed = activity.firstSlotFrom(def, def.listedAt);
  // Trade ids are slot numbers shifted by a constant, so an id maps straight back to its slot.
  const slotOf = (id: number) => firstListed + (id - activity.tradeId(def, firstListed));
  let first = firstListed;
  let last = activity.lastSlot(def, activity.liveEnd(def, now));
  if (fromId !== undefined) first = Math.max(first, slotOf(fromId));
  if (startTime !== undefined) first = Math.max(first, activity.firstSlotFrom(def, startTime));
  if (endTime !== undefined) last = Math.min(last, activity.lastSlot(def, endTime));
  if (fromId !== undefined || startTime !== undefined) last = Math.min(last, first + limit - 1);
  else first = Math.max(first, last - limit + 1);
  const out: AggTradeBody[] = [];
  for (let k = first; k <= last; k++) {
    const t = activity.trade(def, k);
    const row: AggTradeBody = {
      a: t.id,
      p: t.price,
      q: t.qty,
      f: t.id,
      l: t.id,
      T: t.time,
      m: t.isBuyerMaker,
    };
    if (def.market === 'spot') row.M = true;
    out.push(row);
  }
  return out;
}
