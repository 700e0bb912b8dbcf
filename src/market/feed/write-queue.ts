/**
 * Collects the feed's writes of one market into a MarketWriteBatch and sends it as one
 * pipeline every few milliseconds, or sooner once it holds `maxWrites`: never one round trip
 * per stream message. Up to `maxInFlight` flushes are under way at once (they share one Redis
 * connection, so Redis runs them in the order they were sent; monotonic writes make even a
 * reordering harmless). Writers that change the same value many times per flush (a symbol's
 * open candles) register a deferred write instead, run once when the batch is sent.
 */
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { MarketType } from '../../trading/index.ts';
import type { LiveMarket } from '../live-market.ts';
import { type BatchDigest, digestOf, type MarketWriteBatch } from '../writes/index.ts';
import type { FeedMetrics } from './feed-metrics.ts';

export interface WriteQueueOptions {
  readonly live: LiveMarket;
  readonly market: MarketType;
  readonly metrics: FeedMetrics;
  readonly logger: Logger;
  /** Longest a write waits for its flush. @default 15 */
  readonly flushMs?: number;
  /** A batch this big is flushed at once (if a flush slot is free). @default 20000 */
  readonly maxWrites?: number;
  /** Told what each flush wrote, once it is in Redis (price alerts, realtime fan-out). */
  readonly onFlushed?: FlushListener;
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
  private readonly flushMs: number;
  private readonly maxWrites: number;
  private readonly maxInFlight: number;

  constructor(private readonly options: WriteQueueOptions) {
    this.batch = options.live.batch(options.market);
    this.flushMs = options.flushMs ?? 15;
    this.maxWrites = options.maxWrites ?? 20_000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  /** Flushes sent and not yet answered. */
  get inFlight(): number {
    return this.inflight.size;
  }

  /** Writes queued and not yet sent (each deferred writer counts as one). */
  get size(): number {
    return this.batch.size + this.deferred.size;
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

  /** Sends what is queued now and waits for it (and every flush under way). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.inflight.size > 0 || this.size > 0) {
      if (this.size > 0) void this.send();
      await Promise.all([...this.inflight]);
    }
  }

  /** Flushes what is queued, then accepts nothing more. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private kickFor(): void {
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
      // With every slot busy, the flush that ends first sends what gathered meanwhile.
      if (this.inflight.size < this.maxInFlight && this.size > 0) void this.send();
    }, delayMs);
  }

  private send(): Promise<void> {
    const batch = this.batch;
    const deferred = this.deferred;
    this.batch = this.options.live.batch(this.options.market);
    this.deferred = new Map();
    const { market, metrics, logger, onFlushed } = this.options;
    for (const write of deferred.values()) {
      try {
        write(batch);
      } catch (err) {
        logger.warn({ market, err: errorMessage(err) }, 'market feed write refused');
      }
    }
    const digest = onFlushed ? digestOf(batch, market) : null;
    const flushing: Promise<void> = batch
      .flush()
      .then((result) => {
        metrics.countFlush(market, result);
        if (onFlushed && digest) {
          onFlushed(market, digest).catch((err: unknown) =>
            logger.warn({ market, err: errorMessage(err) }, 'market feed flush listener failed'),
          );
        }
      })
      .catch((err: unknown) => {
        // Fail-soft: the next messages carry newer values anyway; the count shows the gap.
        metrics.flushFailures.inc({ market });
        logger.warn({ market, err: errorMessage(err) }, 'market feed write failed');
      })
      .finally(() => {
        this.inflight.delete(flushing);
        this.roomWaiters.shift()?.();
        if (this.size > 0 && !this.closed) {
          if (this.size >= this.maxWrites) void this.send();
          else this.kick(this.flushMs);
        }
      });
    this.inflight.add(flushing);
    return flushing;
  }
}
