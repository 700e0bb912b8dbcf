/**
 * Order books and recent trades derived from the price path. Trades happen in fixed slots of
 * `tradeSpacingMs` with a hashed jitter, so trade ids grow with time and any trade can be
 * rebuilt from its id; the book is a function of 100 ms update steps (`depth-book.ts`).
 */
import { formatDecimal } from './decimal.ts';
import { DepthModel } from './depth-book.ts';
import { logUniform, unit } from './hash.ts';
import type { PriceModel } from './prices.ts';
import type { SymbolDef, Universe } from './universe.ts';

/** One trade in the spot `/api/v3/trades` shape (futures drop `isBestMatch`). */
export interface TradeBody {
  id: number;
  price: string;
  qty: string;
  quoteQty: string;
  time: number;
  isBuyerMaker: boolean;
  isBestMatch?: boolean;
}

/** Depth snapshot body; futures add E and T. */
export interface DepthBody {
  lastUpdateId: number;
  E?: number;
  T?: number;
  bids: [string, string][];
  asks: [string, string][];
}

/** Market microstructure (book, trades) of the simulated exchange. */
export class MarketActivity {
  readonly #model: PriceModel;
  readonly #universe: Universe;
  /** The order book model shared with the depth and bookTicker streams. */
  readonly depthModel: DepthModel;

  constructor(model: PriceModel, universe: Universe) {
    this.#model = model;
    this.#universe = universe;
    this.depthModel = new DepthModel(model, universe);
  }

  /** Trading stops at the halt time; everything after it sees the market as it was then. */
  liveEnd(def: SymbolDef, now: number): number {
    return def.haltedAt === null ? now : Math.min(now, def.haltedAt);
  }

  /** Time of the trade in slot k. */
  tradeTime(def: SymbolDef, k: number): number {
    return (
      k * def.tradeSpacingMs + Math.floor(unit(this.#universe.seed, 'tt', def.symbol, k) * def.tradeSpacingMs)
    );
  }

  /** The last slot whose trade happened at or before t. */
  lastSlot(def: SymbolDef, t: number): number {
    const k = Math.floor(t / def.tradeSpacingMs);
    return this.tradeTime(def, k) <= t ? k : k - 1;
  }

  /** The first slot whose trade happened at or after t. */
  firstSlotFrom(def: SymbolDef, t: number): number {
    const k = Math.floor(t / def.tradeSpacingMs);
    return this.tradeTime(def, k) >= t ? k : k + 1;
  }

  /** Public trade id of slot k: counts from the listing, like a real matching engine. */
  tradeId(def: SymbolDef, k: number): number {
    return k - Math.floor(def.listedAt / def.tradeSpacingMs);
  }

  /** The trade in slot k. */
  trade(def: SymbolDef, k: number): TradeBody {
    const seed = this.#universe.seed;
    const time = this.tradeTime(def, k);
    const price = this.#model.tickPrice(def, time);
    const usd =
      ((def.usdPerMinute * def.tradeSpacingMs) / 60_000) * logUniform(0.05, 4, seed, 'tq', def.symbol, k);
    const qty = this.#quantity(def, usd / this.#universe.referenceUsd(def.quoteAsset), price);
    const quoteDecimals = def.padTo || Math.min(8, def.priceDecimals + def.qtyDecimals);
    const body: TradeBody = {
      id: this.tradeId(def, k),
      price: formatDecimal(price, def.priceDecimals, def.padTo),
      qty: formatDecimal(qty, def.qtyDecimals, def.padTo),
      quoteQty: formatDecimal(price * qty, quoteDecimals),
      time,
      isBuyerMaker: unit(seed, 'side', def.symbol, k) < 0.5,
    };
    if (def.market === 'spot') body.isBestMatch = true;
    return body;
  }

  /** The most recent `limit` trades up to now, oldest first. */
  recentTrades(def: SymbolDef, limit: number, now: number): TradeBody[] {
    const last = this.lastSlot(def, this.liveEnd(def, now));
    const first = Math.max(last - limit + 1, this.firstSlotFrom(def, def.listedAt));
    const out: TradeBody[] = [];
    for (let k = first; k <= last; k++) out.push(this.trade(def, k));
    return out;
  }

  /**
   * A depth snapshot with `limit` levels a side, from the step-based book of {@link DepthModel}
   * (so it joins the `depth@100ms` diffs); halted symbols have an empty book.
   */
  depth(def: SymbolDef, limit: number, now: number): DepthBody {
    const { lastUpdateId, bids, asks } = this.depthModel.snapshot(def, limit, now);
    if (def.market === 'spot') return { lastUpdateId, bids, asks };
    return { lastUpdateId, E: now, T: now - 3, bids, asks };
  }

  /** Base quantity worth `quoteAmount`, rounded to the step and at least one step. */
  #quantity(def: SymbolDef, quoteAmount: number, price: number): number {
    return Math.max(def.step, Math.round(quoteAmount / price / def.step) * def.step);
  }
}
