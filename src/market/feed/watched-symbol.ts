/**
 * What the feed keeps in memory for one watched symbol: its local order book (stream diffs on a
 * REST snapshot), its candles built from trades, and the last aggregate trade id seen, so the
 * stream and the REST fill-in feed the same candles without counting a trade twice.
 */

import { errorMessage } from '../../errors.ts';
import type { AggTrade, DepthUpdate } from '../../exchange/binance/streams/index.ts';
import type { Logger } from '../../logger.ts';
import type { ExchangeClient, MarketType } from '../../trading/index.ts';
import { CANDLE_INTERVALS, type Candle, TradeCandles } from '../candles/index.ts';
import { LocalOrderBook } from '../order-book/index.ts';
import type { MarketWriteBatch } from '../writes/index.ts';
import type { StoredFeedState } from './candle-resume.ts';
import type { FeedMetrics } from './feed-metrics.ts';
import type { WeightBudget } from './weight-budget.ts';
import type { WriteQueue } from './write-queue.ts';

/** One aggregate trade, from the stream (`a`, `p`, `q`, `f`, `l`, `T`, `m`) or from REST. */
export interface FeedTrade {
  readonly id: number;
  readonly price: string;
  readonly quantity: string;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  readonly time: number;
  readonly buyerIsMaker: boolean;
}

export interface WatchedSymbolDeps {
  readonly market: MarketType;
  readonly exchange: ExchangeClient;
  readonly queue: WriteQueue;
  readonly metrics: FeedMetrics;
  readonly logger: Logger;
  readonly orderBookDepth: number;
  /** The feed's weight budget; without one, catch-up calls are not budgeted (tests, benchmarks). */
  readonly budget?: WeightBudget;
  /** Told of each candle closed with trades in it (for reconciliation with the klines). */
  readonly onCandleClosed: (symbol: string, candle: Candle) => void;
}

/** Levels of the REST snapshot the local book starts from (Binance's guide uses 1000). */
const SNAPSHOT_LIMIT = 1000;
/** Aggregate trades per catch-up page (Binance's most), and pages per catch-up at most. */
export const CATCH_UP_PAGE = 1000;
export const CATCH_UP_PAGES = 5;
/** Stream trades held while catching up, at most (older ones are fetched by the catch-up). */
const HELD_MAX = 20_000;

export class WatchedSymbol {
  readonly book: LocalOrderBook;
  candles = new TradeCandles();
  /** Highest aggregate trade id applied; -1 before the first. */
  lastTradeId = -1;
  /**
   * While true, stream trades wait in `held` instead of being applied: the stream is down or
   * just back, and the trades it missed must be fetched (and applied) first, or they are lost.
   */
  private holding = true;
  private held: FeedTrade[] = [];
  private catchingUp: Promise<void> | null = null;

  constructor(
    readonly symbol: string,
    private readonly deps: WatchedSymbolDeps,
  ) {
    const { market, exchange, metrics } = deps;
    this.book = new LocalOrderBook({
      market,
      fetchSnapshot: () => exchange.getOrderBook(market, symbol, SNAPSHOT_LIMIT),
      onResync: (event) => metrics.bookResyncs.inc({ market, reason: event.reason }),
    });
  }

  /** One depth diff of the stream; writes the book's top once it is in step with the exchange. */
  onDepth(update: DepthUpdate): void {
    const result = this.book.apply({
      U: update.U,
      u: update.u,
      ...(update.pu === undefined ? {} : { pu: update.pu }),
      bids: update.b,
      asks: update.a,
    });
    if (result === 'applied' && this.book.synced) this.writeBook(update.E);
  }

  /** Writes the book's top levels, ordered by its lastUpdateId. */
  writeBook(time: number | null): void {
    const top = this.book.top(this.deps.orderBookDepth);
    this.deps.queue.add((b) =>
      b.orderBook(this.symbol, { lastUpdateId: this.book.lastUpdateId, ...top }, time),
    );
  }

  /**
   * Continues from what Redis holds (a new leader, before any trade): the stored candles with
   * their trade ids, and the newest stored aggregate trade id for the catch-up.
   */
  resume(state: StoredFeedState): void {
    this.candles = new TradeCandles(undefined, state.candles);
    this.lastTradeId = Math.max(this.lastTradeId, state.lastAggTradeId);
  }

  /** The stream stopped: hold its trades from now on until a catch-up fills the gap. */
  streamDown(): void {
    this.holding = true;
  }

  /** One stream aggTrade (held while the trades before it are being fetched). */
  onAggTrade(t: AggTrade): void {
    const trade: FeedTrade = {
      id: t.a,
      price: t.p,
      quantity: t.q,
      firstTradeId: t.f,
      lastTradeId: t.l,
      time: t.T,
      buyerIsMaker: t.m,
    };
    if (!this.holding) {
      this.onTrades([trade]);
      return;
    }
    this.held.push(trade);
    // Dropping the oldest is safe: the catch-up fetches up to the first one still held.
    if (this.held.length > HELD_MAX) this.held.shift();
  }

  /**
   * With the stream (back) up: fetches the aggregate trades after the last one applied
   * (`fromId`, bounded pages within the weight budget) up to the first trade the stream held,
   * then applies the held ones, so candles miss nothing across a reconnect or a takeover.
   */
  catchUp(): Promise<void> {
    if (!this.holding) return Promise.resolve();
    this.catchingUp ??= this.fetchMissed().finally(() => {
      const held = this.held.sort((a, b) => a.id - b.id);
      this.held = [];
      this.holding = false;
      this.catchingUp = null;
      if (held.length > 0) this.onTrades(held);
    });
    return this.catchingUp;
  }

  private async fetchMissed(): Promise<void> {
    const { market, exchange, budget, metrics, logger } = this.deps;
    for (let page = 0; page < CATCH_UP_PAGES && this.lastTradeId >= 0; page++) {
      const first = this.held[0];
      if (first && first.id <= this.lastTradeId + 1) return;
      const params = { symbol: this.symbol, fromId: this.lastTradeId + 1, limit: CATCH_UP_PAGE };
      if (budget && !budget.take('trades', 'aggTrades', params)) {
        metrics.restCalls.inc({ market, task: 'trades', outcome: 'skipped' });
        return;
      }
      let rows: Awaited<ReturnType<ExchangeClient['getAggTrades']>>;
      try {
        rows = await exchange.getAggTrades(market, params);
        metrics.restCalls.inc({ market, task: 'trades', outcome: 'ok' });
      } catch (err) {
        metrics.restCalls.inc({ market, task: 'trades', outcome: 'failed' });
        logger.warn({ market, symbol: this.symbol, err: errorMessage(err) }, 'trade catch-up failed');
        return;
      }
      const before = first ? rows.filter((r) => r.id < first.id) : rows;
      this.onTrades(
        before.map((r) => ({
          id: r.id,
          price: r.price,
          quantity: r.qty,
          firstTradeId: r.firstTradeId,
          lastTradeId: r.lastTradeId,
          time: r.time,
          buyerIsMaker: r.isBuyerMaker,
        })),
      );
      if (rows.length < CATCH_UP_PAGE || before.length < rows.length) return;
    }
  }

  /**
   * Trades oldest first: each new one goes to the recent-trades list and into the candles; the
   * candles they changed are written once per flush (the batch keeps the last version).
   */
  onTrades(trades: readonly FeedTrade[]): void {
    const { queue } = this.deps;
    let changed = false;
    queue.add((b) => {
      for (const t of trades) {
        if (t.id <= this.lastTradeId) continue;
        const result = this.candles.applyTrade({
          price: t.price,
          quantity: t.quantity,
          firstTradeId: t.firstTradeId,
          lastTradeId: t.lastTradeId,
          time: t.time,
          buyerIsMaker: t.buyerIsMaker,
        });
        this.lastTradeId = t.id;
        b.trade(this.symbol, {
          id: t.id,
          price: t.price,
          quantity: t.quantity,
          side: t.buyerIsMaker ? 'sell' : 'buy',
          time: t.time,
        });
        if (result.outcome !== 'applied') continue;
        for (const c of result.closed) this.writeCandle(b, c);
        changed = true;
      }
    });
    // The open candles go out once per flush, in their state at the flush: a busy symbol's
    // hundred trades between two flushes cost six candle writes, not six hundred.
    if (changed) queue.defer(this, (b) => this.writeOpenCandles(b));
  }

  /** The open candle of each interval, ordered by the last trade id counted in it. */
  writeOpenCandles(b: MarketWriteBatch): void {
    for (const interval of CANDLE_INTERVALS) {
      const open = this.candles.currentBar(interval);
      if (open) b.candle(this.symbol, interval, open, { lastTradeId: open.lastTradeId });
    }
  }

  /** Closes candles whose time has passed by `now` (the exchange's clock). */
  advance(now: number): void {
    const closed = this.candles.advance(now);
    if (closed.length === 0) return;
    this.deps.queue.add((b) => {
      for (const c of closed) this.writeCandle(b, c);
    });
  }

  close(): void {
    this.book.close();
  }

  private writeCandle(b: MarketWriteBatch, c: Candle): void {
    b.candle(this.symbol, c.interval, c, { lastTradeId: c.lastTradeId });
    if (c.trades > 0) this.deps.onCandleClosed(this.symbol, c);
  }
}
