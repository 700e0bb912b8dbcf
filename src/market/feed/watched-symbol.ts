/**
 * What the feed keeps in memory for one watched symbol: its local order book (stream diffs on a
 * REST snapshot), its candles built from trades, and the last aggregate trade id seen, so the
 * stream and the REST fill-in feed the same candles without counting a trade twice.
 */
import type { AggTrade, DepthUpdate } from '../../exchange/binance/streams/index.ts';
import type { Logger } from '../../logger.ts';
import { CANDLE_INTERVALS, type Candle, TradeCandles } from '../candles/index.ts';
import { LocalOrderBook } from '../order-book/index.ts';
import type { ExchangeClient, MarketType } from '../vocabulary/index.ts';
import type { MarketWriteBatch } from '../writes/index.ts';
import type { FeedMetrics } from './feed-metrics.ts';
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
  /** Told of each candle closed with trades in it (for reconciliation with the klines). */
  readonly onCandleClosed: (symbol: string, candle: Candle) => void;
}

/** Levels of the REST snapshot the local book starts from (Binance's guide uses 1000). */
const SNAPSHOT_LIMIT = 1000;

export class WatchedSymbol {
  readonly book: LocalOrderBook;
  readonly candles = new TradeCandles();
  /** Highest aggregate trade id applied; -1 before the first. */
  lastTradeId = -1;

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

  /** One stream aggTrade. */
  onAggTrade(t: AggTrade): void {
    this.onTrades([
      {
        id: t.a,
        price: t.p,
        quantity: t.q,
        firstTradeId: t.f,
        lastTradeId: t.l,
        time: t.T,
        buyerIsMaker: t.m,
      },
    ]);
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
      const open = this.candles.current(interval);
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
