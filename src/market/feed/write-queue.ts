/**
 * Collects the feed's writes of one market in two lanes, each a MarketWriteBatch, never one round
 * trip per stream message:
 * - the price lane: each symbol's newest current price, sent `priceFlushMs` after it came (one
 *   flush under way at a time, the next gathering meanwhile) on a connection of its own (see
 *   LiveMarket), so a price is readable a few ms after its message;
 * - the bulk lane: series points, trades, candles, books and statistics, coalesced over
 *   `flushMs` (or sent once it holds `maxWrites`). A longer window means more ticks per script
 *   call and per candle write: the cost per tick in Redis and in Node falls with it. The lane is
 *   bounded: past `maxQueued` writes with every flush slot busy, the oldest queued series points
 *   are dropped (counted in `tradecache_feed_dropped_total`).
 *
 * The bulk lane: a window's writes wait for the flush under way, so under load each flush grows
 * instead of the flushes getting more frequent; only a backlog of `maxWrites` takes a second of
 * the `maxInFlight` slots (they share one connection, so Redis runs them in the order they were
 * sent; monotonic writes make even a reordering harmless). A flush is encoded and sent in turns
 * of the event loop of at most {@link SLICE_MS} (turns.ts), so the rest of the process (price
 * lane, streams, HTTP) is never held up by it for long. Writers that change the same value many
 * times per flush (a symbol's open candles) register a deferred write instead, run once when
 * the batch is sent.
 */
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { MarketType } from '../../trading/index.ts';
import type { LiveMarket } from '../live-market.ts';
import { type BatchDigest, digestOf, type MarketWriteBatch, TurnBudget } from '../writes/index.ts';
import type { FeedMetrics } from './feed-metrics.ts';

export interface WriteQueueOptions {
  readonly live: LiveMarket;
  readonly market: MarketType;
  readonly metrics: FeedMetrics;
  readonly logger: Logger;
  /** Longest a bulk write waits for its flush. @default 100 */
  readonly flushMs?: number;
  /**
   * Longest a current price waits for its flush (while none is under way). Prices handed over
   * in one turn (a `!miniTicker@arr` frame) go out together at any value. @default 1
   */
  readonly priceFlushMs?: number;
  /** Bulk writes queued at most while every flush slot is busy. @default 400000 */
  readonly maxQueued?: number;
  /** A batch this big is flushed at once (if a flush slot is free). @default 20000 */
  readonly maxWrites?: number;
  /** Told what each flush wrote, once it is in Redis (price alerts, realtime fan-out). */
  readonly onFlushed?: FlushListener;
  /** Whether the listener's digest carries a symbol's updates (every symbol's price regardless). */
  readonly announces?: (symbol: string) => boolean;
  /** Flushes under way at once. @default 2 */
  readonly maxInFlight?: number;
}

/** A listener of the feed's flushes; its failure is logged, never the feed's. */
export type FlushListener = (market: MarketType, digest: BatchDigest) => Promise<unknown>;

export class WriteQueue {
  private batch: MarketWriteBatch;
  private timer: NodeJS.Timeout | null = null;
  private readonly inflight = new Set<Promise<void>>();
  /** Writes to make once, when the current batch is sent (keyed by their writer). */
  private deferred = new Map<object, (batch: MarketWriteBatch) => void>();
  private readonly roomWaiters: (() => void)[] = [];
  private closed = false;
  /** The window of the queued writes has passed while a flush was under way. */
  private windowDue = false;
  private readonly flushMs: number;
  private readonly maxWrites: number;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly prices: PriceLane;

  constructor(private readonly options: WriteQueueOptions) {
    this.batch = options.live.batch(options.market);
    this.prices = new PriceLane(options, options.priceFlushMs ?? 1);
    this.maxQueued = options.maxQueued ?? 400_000;
    this.flushMs = options.flushMs ?? 100;
    this.maxWrites = options.maxWrites ?? 20_000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  /** Flushes sent and not yet answered. */
  get inFlight(): number {
    return this.inflight.size;
  }

  /** Bulk writes queued and not yet sent (each deferred writer counts as one). */
  get size(): number {
    return this.batch.size + this.deferred.size;
  }

  /**
   * A price: the current price goes out on the price lane within `priceFlushMs`, its series
   * point with the bulk. Throws (queuing nothing) on a bad decimal or symbol.
   */
  price(symbol: string, price: string, time: number, seq: number = time): void {
    if (this.closed) return;
    this.batch.seriesTick(symbol, price, time, seq);
    this.prices.add(symbol, price, time, seq);
    this.kickFor();
  }

  /**
   * Queues writes: `write` adds them to the current batch. A write the batch refuses (bad
   * decimal or symbol) throws here, synchronously, and nothing of it is queued.
   */
  add(write: (batch: MarketWriteBatch) => void): void {
    if (this.closed) return;
    write(this.batch);
    this.kickFor();
  }

  /**
   * Runs `write` once when the current batch is sent, however often it is deferred before:
   * the writer hands over its latest state per flush, not one version per message.
   */
  defer(writer: object, write: (batch: MarketWriteBatch) => void): void {
    if (this.closed) return;
    this.deferred.set(writer, write);
    this.kickFor();
  }

  /** Resolves once fewer than `maxInFlight` flushes are under way (for producers that can wait). */
  room(): Promise<void> {
    if (this.inflight.size < this.maxInFlight) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Sends what is queued now and waits for it (and every flush under way), both lanes. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const prices = this.prices.flush();
    while (this.inflight.size > 0 || this.size > 0) {
      if (this.size > 0) void this.send();
      await Promise.all([...this.inflight]);
    }
    await prices;
  }

  /** Flushes what is queued, then accepts nothing more. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private kickFor(): void {
    if (this.inflight.size >= this.maxInFlight && this.batch.size >= this.maxQueued) {
      const dropped = this.batch.shedSeries();
      if (dropped > 0)
        this.options.metrics.dropped.inc({ market: this.options.market, kind: 'series' }, dropped);
    }
    if (this.size >= this.maxWrites && this.inflight.size < this.maxInFlight) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.send();
    } else {
      this.kick(this.flushMs);
    }
  }

  private kick(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.size === 0) return;
      // A window's writes wait for a flush under way: the one that ends sends them. Only a
      // backlog (`maxWrites`) takes a second slot, so under load each flush carries more ticks
      // per symbol, and its per-symbol work (open candles, index, sections) is done less often.
      if (this.inflight.size === 0) void this.send();
      else this.windowDue = true;
    }, delayMs);
  }

  private send(): Promise<void> {
    this.windowDue = false;
    const batch = this.batch;
    const deferred = this.deferred;
    this.batch = this.options.live.batch(this.options.market);
    this.deferred = new Map();
    const flushing: Promise<void> = this.sendInSlices(batch, deferred).finally(() => {
      this.inflight.delete(flushing);
      this.roomWaiters.shift()?.();
      if (this.size > 0 && !this.closed) {
        if (this.size >= this.maxWrites || this.windowDue) void this.send();
        else this.kick(this.flushMs);
      }
    });
    this.inflight.add(flushing);
    return flushing;
  }

  /**
   * Runs the deferred writers, then encodes and sends the batch, letting other work run every
   * {@link SLICE_MS} (see turns.ts): a flush of the whole market is tens of ms of work, and done
   * in one go every price, stream message and HTTP request meanwhile would wait for all of it.
   */
  private async sendInSlices(
    batch: MarketWriteBatch,
    deferred: Map<object, (batch: MarketWriteBatch) => void>,
  ): Promise<void> {
    const { market, logger } = this.options;
    const turns = new TurnBudget(SLICE_MS);
    for (const write of deferred.values()) {
      try {
        write(batch);
      } catch (err) {
        logger.warn({ market, err: errorMessage(err) }, 'market feed write refused');
      }
      if (turns.spent) await turns.next();
    }
    await sendBatch(this.options, batch, 'market feed write failed', turns);
  }
}

/** Longest the bulk lane works on a flush before it lets other work run. */
const SLICE_MS = 2;

/**
 * Sends one batch: counts what it did, tells the flush listener (its failure is logged, never
 * the feed's), and never rejects. Fail-soft: the next messages carry newer values anyway; the
 * failure count shows the gap.
 */
function sendBatch(
  options: WriteQueueOptions,
  batch: MarketWriteBatch,
  failure: string,
  turns?: TurnBudget,
): Promise<void> {
  const { market, metrics, logger, onFlushed, announces } = options;
  const digest = onFlushed ? digestOf(batch, market, announces) : null;
  return batch
    .flush(turns)
    .then((result) => {
      metrics.countFlush(market, result);
      if (onFlushed && digest) {
        onFlushed(market, digest).catch((err: unknown) =>
          logger.warn({ market, err: errorMessage(err) }, 'market feed flush listener failed'),
        );
      }
    })
    .catch((err: unknown) => {
      metrics.flushFailures.inc({ market });
      logger.warn({ market, err: errorMessage(err) }, failure);
    });
}

/**
 * The price lane: the newest current price per symbol, all of them in one `market-batch` call per flush,
 * one flush under way at a time (the next waits for it, collecting the newer prices meanwhile).
 */
class PriceLane {
  private batch: MarketWriteBatch;
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly options: WriteQueueOptions,
    private readonly flushMs: number,
  ) {
    this.batch = options.live.batch(options.market, 'price');
  }

  add(symbol: string, price: string, time: number, seq: number): void {
    this.batch.currentPrice(symbol, price, time, seq);
    this.kick();
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.inflight || this.batch.size > 0) {
      if (!this.inflight) this.send();
      await this.inflight;
    }
  }

  private kick(): void {
    if (this.timer || this.inflight) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.inflight && this.batch.size > 0) this.send();
    }, this.flushMs);
  }

  private send(): void {
    const batch = this.batch;
    this.batch = this.options.live.batch(this.options.market, 'price');
    this.inflight = sendBatch(this.options, batch, 'market feed price write failed').finally(() => {
      this.inflight = null;
      if (this.batch.size > 0) this.kick();
    });
  }
}
