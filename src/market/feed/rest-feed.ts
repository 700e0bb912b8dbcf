/**
 * The REST side of one market's feed. Every `intervalMs`: all-symbol prices and best bid/ask
 * (futures also the premium index), and, while the stream is down (or with FEED_SOURCE=rest),
 * depth and trades of the watched symbols. Every `statsIntervalMs`: all-symbol 24h statistics.
 * While the stream is up, REST writes no price, book or trade of a symbol the stream carries.
 * Answers without an exchange time are stamped with the exchange's clock (`serverNow`) read just
 * before the call, so a slow answer never outranks a stream event it may not contain.
 */
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { ExchangeClient, MarketType, Ticker24h, TickerPrice } from '../../trading/index.ts';
import type { MarketWriteBatch } from '../writes/index.ts';
import type { FeedMetrics } from './feed-metrics.ts';
import type { WatchedSymbol } from './watched-symbol.ts';
import type { FeedTask, WeightBudget } from './weight-budget.ts';
import type { WriteQueue } from './write-queue.ts';

export interface RestFeedDeps {
  readonly market: MarketType;
  readonly exchange: ExchangeClient;
  readonly queue: WriteQueue;
  readonly metrics: FeedMetrics;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly statsIntervalMs: number;
  readonly orderBookDepth: number;
  readonly watched: ReadonlyMap<string, WatchedSymbol>;
  /** Filled here, read by the stream feed (the members a mini ticker lacks). */
  readonly restStats: Map<string, Ticker24h>;
  /** Whether the stream currently carries prices, books and trades (false with FEED_SOURCE=rest). */
  readonly streamUp: () => boolean;
  /** Shared with the candle reconciler: one market, one weight limit. */
  readonly budget: WeightBudget;
}

/** Depth limits the exchange accepts; the smallest one ≥ ORDER_BOOK_DEPTH is asked for. */
const DEPTH_LIMITS = [5, 10, 20, 50, 100, 500, 1000];

/** Writes a REST price answer; `stamp` orders rows without their own time (spot). */
export function writeRestPrices(batch: MarketWriteBatch, rows: readonly TickerPrice[], stamp: number): void {
  for (const row of rows) {
    const time = row.time ?? stamp;
    batch.price(row.symbol, row.price, time);
  }
}

export class RestFeed {
  private timers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: RestFeedDeps) {}

  private get budget(): WeightBudget {
    return this.deps.budget;
  }

  /** Polls at once, then on the intervals. */
  start(): void {
    this.every(this.deps.intervalMs, () => this.pollFast());
    this.every(this.deps.statsIntervalMs, () => this.pollStats());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
  }

  /** One round of prices, best bid/ask, premium index and (stream down) watched depth and trades. */
  async pollFast(): Promise<void> {
    const { market, exchange, watched } = this.deps;
    const streamUp = this.deps.streamUp();
    if (!streamUp) {
      await this.call(
        'prices',
        'ticker/price',
        {},
        () => exchange.getTickerPrices(market),
        (b, rows, stamp) => writeRestPrices(b, rows, stamp),
      );
    }
    await this.call(
      'bookTickers',
      'ticker/bookTicker',
      {},
      () => exchange.getBookTickers(market),
      (b, rows, stamp) => {
        for (const r of rows) {
          if (streamUp && watched.has(r.symbol)) continue;
          const seq = r.time ?? stamp;
          b.bookTicker(
            r.symbol,
            { bidPrice: r.bidPrice, bidQty: r.bidQty, askPrice: r.askPrice, askQty: r.askQty },
            { seq, time: seq },
          );
        }
      },
    );
    if (market === 'futures') {
      await this.call(
        'premiumIndex',
        'premiumIndex',
        {},
        () => exchange.getPremiumIndex(market),
        (b, rows) => {
          for (const r of rows) {
            b.premiumIndex(
              r.symbol,
              {
                markPrice: r.markPrice,
                indexPrice: r.indexPrice,
                fundingRate: r.lastFundingRate,
                nextFundingTime: r.nextFundingTime,
              },
              { seq: r.time, time: r.time },
            );
          }
        },
      );
    }
    if (!streamUp) {
      for (const w of watched.values()) {
        if (this.closed) return;
        await this.pollWatched(w);
      }
    }
  }

  /** All-symbol 24h statistics, as sent. */
  async pollStats(): Promise<void> {
    const { market, exchange, restStats } = this.deps;
    await this.call(
      'stats',
      'ticker/24hr',
      {},
      () => exchange.get24hTickers(market),
      (b, rows, stamp) => {
        for (const r of rows) {
          restStats.set(r.symbol, r);
          b.stats24h(r.symbol, r, { seq: stamp, time: r.closeTime });
        }
      },
    );
  }

  private async pollWatched(w: WatchedSymbol): Promise<void> {
    const { market, exchange } = this.deps;
    const limit = DEPTH_LIMITS.find((l) => l >= this.deps.orderBookDepth) ?? 1000;
    await this.call(
      'depth',
      'depth',
      { symbol: w.symbol, limit },
      () => exchange.getOrderBook(market, w.symbol, limit),
      (b, book) => {
        const depth = this.deps.orderBookDepth;
        b.orderBook(w.symbol, {
          lastUpdateId: book.lastUpdateId,
          bids: book.bids.slice(0, depth),
          asks: book.asks.slice(0, depth),
        });
      },
    );
    const query =
      w.lastTradeId >= 0
        ? { symbol: w.symbol, fromId: w.lastTradeId + 1, limit: 1000 }
        : { symbol: w.symbol, limit: 100 };
    const trades = await this.fetch('trades', 'aggTrades', { symbol: w.symbol }, () =>
      exchange.getAggTrades(market, query),
    );
    if (trades && trades.length > 0) {
      w.onTrades(
        trades.map((t) => ({
          id: t.id,
          price: t.price,
          quantity: t.qty,
          firstTradeId: t.firstTradeId,
          lastTradeId: t.lastTradeId,
          time: t.time,
          buyerIsMaker: t.isBuyerMaker,
        })),
      );
    }
  }

  /** Budget check, the call, and its writes queued with the exchange-clock stamp. */
  private async call<T>(
    task: FeedTask,
    endpoint: Parameters<WeightBudget['take']>[1],
    params: Parameters<WeightBudget['take']>[2],
    request: () => Promise<T>,
    write: (batch: MarketWriteBatch, answer: T, stamp: number) => void,
  ): Promise<void> {
    const stamp = await this.stamp();
    if (stamp === null) return;
    const answer = await this.fetch(task, endpoint, params, request);
    if (answer === null || this.closed) return;
    try {
      this.deps.queue.add((b) => write(b, answer, stamp));
    } catch (err) {
      this.deps.logger.warn(
        { market: this.deps.market, task, err: errorMessage(err) },
        'REST answer not written',
      );
    }
  }

  private async fetch<T>(
    task: FeedTask,
    endpoint: Parameters<WeightBudget['take']>[1],
    params: Parameters<WeightBudget['take']>[2],
    request: () => Promise<T>,
  ): Promise<T | null> {
    const { market, metrics, logger } = this.deps;
    if (!this.budget.take(task, endpoint, params)) {
      metrics.restCalls.inc({ market, task, outcome: 'skipped' });
      return null;
    }
    try {
      const answer = await request();
      metrics.restCalls.inc({ market, task, outcome: 'ok' });
      return answer;
    } catch (err) {
      metrics.restCalls.inc({ market, task, outcome: 'failed' });
      logger.warn({ market, task, err: errorMessage(err) }, 'market feed REST call failed');
      return null;
    }
  }

  /** The exchange's clock now, learnt from an answer first if none came yet. */
  private async stamp(): Promise<number | null> {
    const { exchange, market } = this.deps;
    const now = exchange.serverNow(market);
    if (now !== null) return now;
    try {
      return await exchange.getServerTime(market);
    } catch {
      return null;
    }
  }

  private every(ms: number, run: () => Promise<void>): void {
    const loop = () => {
      if (this.closed) return;
      const p = run().finally(() => {
        this.inFlight.delete(p);
        if (this.closed) return;
        const timer: NodeJS.Timeout = setTimeout(() => {
          this.timers.delete(timer);
          loop();
        }, ms);
        this.timers.add(timer);
      });
      this.inFlight.add(p);
    };
    loop();
  }
}
