/**
 * What each stream sends, computed from the same models as the REST routes (trades, the
 * step-based book, 24h tickers), in Binance's payload shapes. A source exists only while a
 * socket subscribes to its stream, and keeps just enough state to send what changed.
 */
import type { MarketType } from '../../../trading/index.ts';
import type { MarketActivity } from '../book.ts';
import type { BookState, DepthModel, TouchedLevels } from '../depth-book.ts';
import type { TickerBook } from '../tickers.ts';
import type { SymbolDef, Universe } from '../universe.ts';
import type { StreamName } from './names.ts';

/** One stream's producer: the payloads due since the previous poll, oldest first. */
export interface StreamSource {
  poll(now: number): unknown[];
}

/** The models a source reads. */
export interface SourceContext {
  readonly market: MarketType;
  readonly universe: Universe;
  readonly activity: MarketActivity;
  readonly tickers: TickerBook;
}

/**
 * A clock jump (a test's hand-driven clock) could make millions of trades due at once; only the
 * newest ones are sent, like a consumer that fell behind would see.
 */
const MAX_TRADES_PER_POLL = 1000;

/** Builds the source of a stream at `now`; null for a symbol this market does not list. */
export function createSource(stream: StreamName, ctx: SourceContext, now: number): StreamSource | null {
  if (stream.kind === '!miniTicker@arr')
    return new MiniTickerSource(ctx, ctx.universe[ctx.market], true, now);
  const def = stream.symbol === undefined ? undefined : ctx.universe.find(ctx.market, stream.symbol);
  if (!def) return null;
  switch (stream.kind) {
    case 'aggTrade':
      return new AggTradeSource(ctx, def, now);
    case 'bookTicker':
      return new BookTickerSource(ctx.activity.depthModel, def, now);
    case 'depth':
      return new DepthSource(ctx.activity.depthModel, def, 10, now);
    case 'depth@100ms':
      return new DepthSource(ctx.activity.depthModel, def, 1, now);
    case 'miniTicker':
      return new MiniTickerSource(ctx, [def], false, now);
  }
}

/** One aggregate trade per simulated trade (`f` = `l` = its trade id, `a` = the same id). */
class AggTradeSource implements StreamSource {
  #lastSlot: number;

  constructor(
    private readonly ctx: SourceContext,
    private readonly def: SymbolDef,
    now: number,
  ) {
    this.#lastSlot = ctx.activity.lastSlot(def, ctx.activity.liveEnd(def, now));
  }

  poll(now: number): unknown[] {
    const { activity } = this.ctx;
    const last = activity.lastSlot(this.def, activity.liveEnd(this.def, now));
    if (last <= this.#lastSlot) return [];
    const first = Math.max(this.#lastSlot + 1, last - MAX_TRADES_PER_POLL + 1);
    this.#lastSlot = last;
    const out: unknown[] = [];
    for (let k = first; k <= last; k++) {
      const t = activity.trade(this.def, k);
      const s = this.def.symbol;
      out.push(
        this.def.market === 'spot'
          ? {
              e: 'aggTrade',
              E: now,
              s,
              a: t.id,
              p: t.price,
              q: t.qty,
              f: t.id,
              l: t.id,
              T: t.time,
              m: t.isBuyerMaker,
              M: true,
            }
          : {
              e: 'aggTrade',
              E: now,
              a: t.id,
              s,
              p: t.price,
              q: t.qty,
              f: t.id,
              l: t.id,
              T: t.time,
              m: t.isBuyerMaker,
            },
      );
    }
    return out;
  }
}

/** Best bid/ask whenever they change at a step; `u` is the book's update id of that step. */
class BookTickerSource implements StreamSource {
  #lastStep: number;
  #last = '';

  constructor(
    private readonly depth: DepthModel,
    private readonly def: SymbolDef,
    now: number,
  ) {
    this.#lastStep = depth.step(now) - 1;
  }

  poll(now: number): unknown[] {
    const step = this.depth.step(now);
    if (step === this.#lastStep) return [];
    this.#lastStep = step;
    const top = this.depth.top(this.def, step);
    if (!top) return [];
    const key = `${top.bidPrice} ${top.bidQty} ${top.askPrice} ${top.askQty}`;
    if (key === this.#last) return [];
    this.#last = key;
    const u = this.depth.updateId(this.def, step);
    const { bidPrice: b, bidQty: B, askPrice: a, askQty: A } = top;
    const s = this.def.symbol;
    if (this.def.market === 'spot') return [{ u, s, b, B, a, A }];
    return [{ e: 'bookTicker', u, s, b, B, a, A, T: now - 2, E: now }];
  }
}

/**
 * Depth diffs every `everySteps` steps: the levels updated since the last step sent, so `U` is
 * the previous `u + 1` (futures: `pu` the previous `u`) even after a pause. After a pause in which
 * the price ran too far to cover (see `DepthModel.walk`) the sequence breaks instead, as a
 * stream that fell behind does: the client sees the gap and fetches a new snapshot.
 */
class DepthSource implements StreamSource {
  /** The book at the last step walked. */
  #at: BookState;
  /** `u` and step of the last diff sent (at first: of the baseline). */
  #sentUpdateId: number;
  #sentStep: number;
  #touched: TouchedLevels = { bids: new Set(), asks: new Set() };

  constructor(
    private readonly depth: DepthModel,
    private readonly def: SymbolDef,
    private readonly everySteps: number,
    now: number,
  ) {
    // The baseline is the step before the subscription, so the first diff spans the step in
    // force now: a snapshot taken after subscribing always lies within it (futures'
    // `U <= lastUpdateId <= u`, spot's `U <= lastUpdateId + 1 <= u`).
    this.#at = depth.book(def, depth.step(now) - 1);
    this.#sentUpdateId = this.#at.updateId;
    this.#sentStep = this.#at.step;
  }

  poll(now: number): unknown[] {
    const step = this.depth.step(now);
    if (step - this.#sentStep < this.everySteps) return [];
    const walked = this.depth.walk(this.def, this.#at, step, this.#touched);
    if (walked) this.#at = walked;
    else {
      // Too far behind to cover: go on from the step before now, leaving a gap in the ids.
      this.#touched = { bids: new Set(), asks: new Set() };
      this.#at = this.depth.walk(
        this.def,
        this.depth.book(this.def, step - 1),
        step,
        this.#touched,
      ) as BookState;
    }
    // Nothing changed: send nothing, so the next diff still starts at the last u + 1.
    if (this.#touched.bids.size === 0 && this.#touched.asks.size === 0) return [];
    const { b, a } = this.depth.diffOf(this.def, this.#at, this.#touched);
    const pu = this.#sentUpdateId;
    const u = this.#at.updateId;
    this.#sentUpdateId = u;
    this.#sentStep = step;
    this.#touched = { bids: new Set(), asks: new Set() };
    const s = this.def.symbol;
    if (this.def.market === 'spot') return [{ e: 'depthUpdate', E: now, s, U: pu + 1, u, b, a }];
    return [{ e: 'depthUpdate', E: now, T: now - 3, s, U: pu + 1, u, pu, b, a }];
  }
}

/** 24h mini tickers once a second, only of symbols whose ticker changed (Binance's rule). */
class MiniTickerSource implements StreamSource {
  #lastSecond: number;
  readonly #sent = new Map<string, string>();

  constructor(
    private readonly ctx: SourceContext,
    private readonly defs: readonly SymbolDef[],
    private readonly asArray: boolean,
    now: number,
  ) {
    this.#lastSecond = Math.floor(now / 1000) - 1;
  }

  poll(now: number): unknown[] {
    const second = Math.floor(now / 1000);
    if (second === this.#lastSecond) return [];
    this.#lastSecond = second;
    const out: unknown[] = [];
    for (const def of this.defs) {
      // Halted symbols have no trades in the window and are never in the stream.
      if (def.haltedAt !== null && def.haltedAt <= now - 86_400_000) continue;
      const t = this.ctx.tickers.ticker24h(def, now, true) as Record<string, string | number>;
      if (t.count === 0) continue;
      const key = `${t.lastPrice} ${t.volume}`;
      if (this.#sent.get(def.symbol) === key) continue;
      this.#sent.set(def.symbol, key);
      out.push({
        e: '24hrMiniTicker',
        E: now,
        s: def.symbol,
        c: t.lastPrice,
        o: t.openPrice,
        h: t.highPrice,
        l: t.lowPrice,
        v: t.volume,
        q: t.quoteVolume,
      });
    }
    if (!this.asArray) return out;
    return out.length === 0 ? [] : [out];
  }
}
