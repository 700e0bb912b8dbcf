/**
 * The simulated order book as a pure function of an update step (one step per 100 ms), so the
 * REST depth snapshot and the `depth@100ms` diff stream agree the way Binance documents it:
 * the book at update id `u(step)` is exactly the snapshot of an earlier step plus every diff
 * since. A diff names every level updated in the steps it spans, with its final quantity.
 *
 * Levels sit on an absolute tick grid. Each level redraws its quantity (or disappears) on its
 * own hashed period, and the best bid follows the price path, so levels change side or fall off
 * the far end as the price moves. The best bid and ask are always present, at the mid.
 */
import { formatDecimal } from './decimal.ts';
import { hash32, logUniform } from './hash.ts';
import type { PriceModel } from './prices.ts';
import type { SymbolDef, Universe } from './universe.ts';

/** Length of one update step: the cadence of `depth@100ms`. */
export const DEPTH_STEP_MS = 100;
/** Ticks a side spans from the best price; ~80 % of them hold a level, so < 1000 levels a side. */
export const BOOK_RANGE_TICKS = 1000;

export type BookSide = 'bids' | 'asks';

/** One level's state at a step: `qty` is what it would hold, `present` whether it is in the book. */
interface Level {
  readonly version: number;
  readonly qty: string;
  readonly present: boolean;
}

/** The whole book of one symbol at one step, keyed by price in ticks. */
export interface BookState {
  readonly step: number;
  readonly updateId: number;
  /** Best bid in ticks; 0 when the book is empty (halted symbol). */
  readonly bestBid: number;
  readonly bids: ReadonlyMap<number, Level>;
  readonly asks: ReadonlyMap<number, Level>;
}

/** Changed levels between two steps; quantity "0" (in the symbol's format) removes a level. */
export interface BookDiff {
  readonly b: [string, string][];
  readonly a: [string, string][];
}

/** Longest span walked step by step; longer ones are covered by range (see `walk`). */
const WALK_STEPS = 20;
/** How far the best bid may have moved in a span covered by range, in ticks. */
const MAX_COVER_TICKS = 20 * BOOK_RANGE_TICKS;

/** Ticks of each side updated since a diff was last sent. */
export interface TouchedLevels {
  readonly bids: Set<number>;
  readonly asks: Set<number>;
}

/** Best bid and ask with their quantities; null on an empty book. */
export interface TopOfBook {
  readonly bidPrice: string;
  readonly bidQty: string;
  readonly askPrice: string;
  readonly askQty: string;
}

/** Whether a level is in the book: present, or the best bid or ask (always shown, at the mid). */
function visible(state: BookState, ticks: number, level: Level | undefined): boolean {
  return level !== undefined && (level.present || ticks === state.bestBid || ticks === state.bestBid + 1);
}

/** Fast integer hash for the per-step work (periods, phases, id jitter): no string joins. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Splits a non-negative integer above 2^32 into two words before mixing. */
function mixWide(key: number, n: number): number {
  return mix(mix(key, n % 4294967296), Math.floor(n / 4294967296));
}

/** Book, update ids and diffs of every symbol. Pure: the same step always gives the same book. */
export class DepthModel {
  readonly #model: PriceModel;
  readonly #universe: Universe;
  /** Per-symbol hash keys: pure values, kept so the per-level work stays string-free. */
  readonly #keys = new Map<string, number>();

  constructor(model: PriceModel, universe: Universe) {
    this.#model = model;
    this.#universe = universe;
  }

  /** The update step in force at epoch-ms `t`. */
  step(t: number): number {
    return Math.floor(t / DEPTH_STEP_MS);
  }

  /**
   * Last update id of a step. Strictly increasing (8 ± 7 ids a step), so a diff from step p to
   * step s carries `U = u(p) + 1`, `u = u(s)` and futures' `pu = u(p)`.
   */
  updateId(def: SymbolDef, step: number): number {
    const key = hash32(this.#universe.seed, 'uid', def.symbol);
    return (key % 1_000_000) * 1000 + step * 8 + (mixWide(key, step) % 8);
  }

  /** Best bid in ticks at a step; 0 once the symbol halted (its book is empty). */
  bestBid(def: SymbolDef, step: number): number {
    const t = step * DEPTH_STEP_MS;
    if (def.haltedAt !== null && def.haltedAt <= t) return 0;
    return Math.max(1, Math.floor(this.#model.price(def, t) / def.tick));
  }

  /**
   * The full book at a step. `previous` (an earlier state of the same symbol) lets levels whose
   * version did not change be reused instead of re-hashed: the stream's per-step cost.
   */
  book(def: SymbolDef, step: number, previous?: BookState): BookState {
    const bestBid = this.bestBid(def, step);
    const bids = new Map<number, Level>();
    const asks = new Map<number, Level>();
    if (bestBid > 0) {
      for (let ticks = bestBid; ticks > Math.max(0, bestBid - BOOK_RANGE_TICKS); ticks--) {
        bids.set(ticks, this.#level(def, 'bids', ticks, step, previous?.bids.get(ticks)));
      }
      for (let ticks = bestBid + 1; ticks <= bestBid + BOOK_RANGE_TICKS; ticks++) {
        asks.set(ticks, this.#level(def, 'asks', ticks, step, previous?.asks.get(ticks)));
      }
    }
    return { step, updateId: this.updateId(def, step), bestBid, bids, asks };
  }

  /**
   * The book at `toStep`, adding to `touched` every level updated since `from`. As on Binance, a
   * diff spanning several steps (a late timer) names each level touched in its `U..u` range, not
   * only those that differ at its two ends: a snapshot taken at a step inside the range plus that
   * diff is then the book at the end too (a level that came and went inside the range would
   * otherwise stay in such a book for good). Up to WALK_STEPS steps are walked one by one; a
   * longer span touches every tick the book can have covered meanwhile (a superset: a level
   * named with its final quantity is right whether or not it changed). Null when that cover
   * exceeds MAX_COVER_TICKS (the price ran too far): the caller has to break the sequence.
   */
  walk(def: SymbolDef, from: BookState, toStep: number, touched: TouchedLevels): BookState | null {
    if (toStep - from.step <= WALK_STEPS) {
      let state = from;
      for (let step = from.step + 1; step <= toStep; step++) {
        const next = this.book(def, step, state);
        for (const side of ['bids', 'asks'] as const) this.#touch(state, next, side, touched[side]);
        state = next;
      }
      return state;
    }
    let low = Number.POSITIVE_INFINITY;
    let high = 0;
    for (let step = from.step; step <= toStep; step++) {
      const best = this.bestBid(def, step);
      if (best === 0) continue; // halted: an empty book covers nothing
      low = Math.min(low, best);
      high = Math.max(high, best);
    }
    if (high > 0) {
      if (high - low > MAX_COVER_TICKS) return null;
      for (let t = Math.max(1, low - BOOK_RANGE_TICKS + 1); t <= high; t++) touched.bids.add(t);
      for (let t = low + 1; t <= high + BOOK_RANGE_TICKS; t++) touched.asks.add(t);
    }
    return this.book(def, toStep);
  }

  /** The touched levels as they stand in `state` ("0" once gone): bids best first, asks best first. */
  diffOf(def: SymbolDef, state: BookState, touched: TouchedLevels): BookDiff {
    return {
      b: this.#levelsAt(def, state, 'bids', touched.bids),
      a: this.#levelsAt(def, state, 'asks', touched.asks),
    };
  }

  /**
   * REST depth snapshot at `now`: the best `limit` levels a side of the book at its step, and
   * `lastUpdateId` = that step's update id. Walks only as far as `limit` needs.
   */
  snapshot(
    def: SymbolDef,
    limit: number,
    now: number,
  ): { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] } {
    const step = this.step(now);
    const bestBid = this.bestBid(def, step);
    const out = {
      lastUpdateId: this.updateId(def, step),
      bids: [] as [string, string][],
      asks: [] as [string, string][],
    };
    if (bestBid === 0) return out;
    for (const side of ['bids', 'asks'] as const) {
      const first = side === 'bids' ? bestBid : bestBid + 1;
      const dir = side === 'bids' ? -1 : 1;
      for (let i = 0; i < BOOK_RANGE_TICKS && out[side].length < limit; i++) {
        const ticks = first + dir * i;
        if (ticks < 1) break;
        const level = this.#level(def, side, ticks, step);
        if (level.present || i === 0) out[side].push([this.price(def, ticks), level.qty]);
      }
    }
    return out;
  }

  /** Best bid/ask of a step without building the book (bookTicker, 24h ticker). */
  top(def: SymbolDef, step: number): TopOfBook | null {
    const bestBid = this.bestBid(def, step);
    if (bestBid === 0) return null;
    return {
      bidPrice: this.price(def, bestBid),
      bidQty: this.#level(def, 'bids', bestBid, step).qty,
      askPrice: this.price(def, bestBid + 1),
      askQty: this.#level(def, 'asks', bestBid + 1, step).qty,
    };
  }

  /** A price in ticks as the symbol's decimal string. */
  price(def: SymbolDef, ticks: number): string {
    return formatDecimal(ticks * def.tick, def.priceDecimals, def.padTo);
  }

  /** The quantity that removes a level ("0.00000000" on spot, "0" or "0.000" on futures). */
  zeroQty(def: SymbolDef): string {
    return formatDecimal(0, def.qtyDecimals, def.padTo);
  }

  #symbolKey(def: SymbolDef): number {
    const id = `${def.market}:${def.symbol}`;
    let key = this.#keys.get(id);
    if (key === undefined) {
      key = hash32(this.#universe.seed, 'book', def.market, def.symbol);
      this.#keys.set(id, key);
    }
    return key;
  }

  /** Adds to `touched` the ticks of `side` whose visible level differs from `from` to `to`. */
  #touch(from: BookState, to: BookState, side: BookSide, touched: Set<number>): void {
    const before = from[side];
    const after = to[side];
    for (const [ticks, level] of after) {
      const was = before.get(ticks);
      const now = visible(to, ticks, level);
      const then = visible(from, ticks, was);
      if (now ? !then || was?.qty !== level.qty : then) touched.add(ticks);
    }
    for (const [ticks, was] of before) if (!after.has(ticks) && visible(from, ticks, was)) touched.add(ticks);
  }

  /** The `[price, quantity]` of each touched tick in `state` (zero where not in the book), best first. */
  #levelsAt(def: SymbolDef, state: BookState, side: BookSide, touched: Set<number>): [string, string][] {
    const ticks = [...touched].sort((x, y) => (side === 'bids' ? y - x : x - y));
    return ticks.map((t) => {
      const level = state[side].get(t);
      return [this.price(def, t), visible(state, t, level) && level ? level.qty : this.zeroQty(def)];
    });
  }

  /**
   * A level's state at a step. Its version advances every `period` steps (2 s to 200 s, per
   * level), and each version redraws the quantity and whether the level is there at all.
   */
  #level(def: SymbolDef, side: BookSide, ticks: number, step: number, previous?: Level): Level {
    const seed = this.#universe.seed;
    const key = mix(this.#symbolKey(def), side === 'bids' ? ticks * 2 : ticks * 2 + 1);
    const period = Math.floor(20 * 100 ** ((key % 10_007) / 10_007));
    const phase = (key >>> 8) % period;
    const version = Math.floor((step + phase) / period);
    if (previous && previous.version === version) return previous;
    const price = ticks * def.tick;
    const usd = (def.usdPerMinute / 30) * logUniform(0.02, 3, seed, 'lvl', def.symbol, side, ticks, version);
    const base = usd / this.#universe.referenceUsd(def.quoteAsset) / price;
    const qty = Math.max(def.step, Math.round(base / def.step) * def.step);
    return {
      version,
      qty: formatDecimal(qty, def.qtyDecimals, def.padTo),
      present: mix(key, version) % 5 !== 0,
    };
  }
}
