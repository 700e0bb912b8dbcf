/**
 * Collects the feed's writes of one market into a MarketWriteBatch and sends it as one
 * pipeline every few milliseconds, or sooner once it holds `maxWrites`: never one round trip
 * per stream message. One flush at a time; writes made meanwhile go into the next batch.
 */
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { LiveMarket } from '../live-market.ts';
import type { MarketType } from '../vocabulary/index.ts';
import { type BatchDigest, digestOf, type MarketWriteBatch } from '../writes/index.ts';
import type { FeedMetrics } from './feed-metrics.ts';

export interface WriteQueueOptions {
  readonly live: LiveMarket;
  readonly market: MarketType;
  readonly metrics: FeedMetrics;
  readonly logger: Logger;
  /** Longest a write waits for its flush. @default 20 */
  readonly flushMs?: number;
  /** A batch this big is flushed at once. @default 2000 */
  readonly maxWrites?: number;
  /** Told what each flush wrote, once it is in Redis (price alerts, realtime fan-out). */
  readonly onFlushed?: FlushListener;
}

/** A listener of the feed's flushes; its failure is logged, never the feed's. */
export type FlushListener = (market: MarketType, digest: BatchDigest) => Promise<unknown>;

export class WriteQueue {
  private batch: MarketWriteBatch;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  private readonly flushMs: number;
  private readonly maxWrites: number;

  constructor(private readonly options: WriteQueueOptions) {
    this.batch = options.live.batch(options.market);
    this.flushMs = options.flushMs ?? 20;
    this.maxWrites = options.maxWrites ?? 2000;
  }

  /**
   * Queues writes: `write` adds them to the current batch. A write the batch refuses (bad
   * decimal or symbol) throws here, synchronously, and nothing of it is queued.
   */
  add(write: (batch: MarketWriteBatch) => void): void {
    if (this.closed) return;
    write(this.batch);
    if (this.batch.size >= this.maxWrites) this.kick(0);
    else this.kick(this.flushMs);
  }

  /** Sends what is queued now and waits for it (and any flush under way). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    if (this.batch.size > 0) await this.send();
  }

  /** Flushes what is queued, then accepts nothing more. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private kick(delayMs: number): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.send();
    }, delayMs);
  }

  private send(): Promise<void> {
    const batch = this.batch;
    this.batch = this.options.live.batch(this.options.market);
    const { market, metrics, logger, onFlushed } = this.options;
    const digest = onFlushed ? digestOf(batch, market) : null;
    this.flushing = batch
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
        this.flushing = null;
        if (this.batch.size > 0 && !this.closed) this.kick(this.flushMs);
      });
    return this.flushing;
  }
}
