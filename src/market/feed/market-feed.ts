/**
 * One market's feed in one process: it tries for the market's leader lease, and only while it
 * holds it runs the stream feed, the REST feed (all of it with FEED_SOURCE=rest, else as the
 * fallback and for statistics), the candle clock and the reconciliation. Losing the lease (or
 * closing) stops them all and flushes what was queued.
 */

import type { FeedSource } from '../../config/feed.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import type { ExchangeClient, MarketType, Ticker24h } from '../../trading/index.ts';
import type { LiveMarket } from '../live-market.ts';
import { CandleReconciler } from './candle-reconciler.ts';
import { readStoredFeedState } from './candle-resume.ts';
import type { FeedMetrics } from './feed-metrics.ts';
import { LeaderLease } from './leader-lease.ts';
import { RestFeed } from './rest-feed.ts';
import { StreamFeed } from './stream-feed.ts';
import { WatchedSymbol } from './watched-symbol.ts';
import { WeightBudget } from './weight-budget.ts';
import type { FlushListener } from './write-queue.ts';
import { WriteQueue } from './write-queue.ts';

export interface MarketFeedOptions {
  readonly market: MarketType;
  readonly redis: RedisClient;
  readonly leaseKey: string;
  /** Where the stored candles and trades are (read by a new leader to resume them). */
  readonly keys: MarketKeys;
  readonly leaseTtlMs: number;
  readonly live: LiveMarket;
  readonly exchange: ExchangeClient;
  readonly streamUrl: string;
  readonly source: FeedSource;
  readonly intervalMs: number;
  readonly statsIntervalMs: number;
  readonly streamLivenessMs: number;
  readonly metrics: FeedMetrics;
  readonly logger: Logger;
  /** Told what each flush wrote (price alerts, realtime fan-out). */
  readonly onFlushed?: FlushListener;
  /** Whether a flush's digest carries a symbol's updates (see WriteQueueOptions). */
  readonly announces?: (symbol: string) => boolean;
  /** The watched symbols to start with (resolved when this process is elected). */
  readonly initialWatch: () => Promise<readonly string[]>;
  /** Wait after a candle closes before checking it against the klines. @default 3000 */
  readonly reconcileDelayMs?: number;
}

/** What runs while this process leads the market. */
interface Running {
  readonly queue: WriteQueue;
  readonly stream: StreamFeed | null;
  readonly rest: RestFeed;
  readonly reconciler: CandleReconciler;
  readonly clock: NodeJS.Timeout;
  readonly watched: Map<string, WatchedSymbol>;
  readonly budget: WeightBudget;
}

export class MarketFeed {
  private readonly lease: LeaderLease;
  private running: Running | null = null;
  private starting: Promise<void> = Promise.resolve();
  /** Symbols added at run time (kept across elections), and those removed. */
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();
  /** The initial watch list of the current election. */
  private initial = new Set<string>();
  /** What WebSocket clients of every process watch (the shared watch list), latest read. */
  private clientWatched = new Set<string>();
  /** Client-watch reconciliations run one after the other. */
  private reconciling: Promise<void> = Promise.resolve();

  constructor(private readonly o: MarketFeedOptions) {
    this.lease = new LeaderLease({
      redis: o.redis,
      key: o.leaseKey,
      ttlMs: o.leaseTtlMs,
      logger: o.logger,
      onElected: () => {
        o.metrics.leader.set({ market: o.market }, 1);
        this.starting = this.run().catch((err: unknown) =>
          o.logger.error({ market: o.market, err: errorMessage(err) }, 'market feed failed to start'),
        );
      },
      onDeposed: () => this.stop(),
    });
  }

  get market(): MarketType {
    return this.o.market;
  }

  get isLeader(): boolean {
    return this.lease.isLeader;
  }

  /** Whether the stream carries this market's prices now (false when REST feeds it). */
  get streamUp(): boolean {
    return this.running?.stream?.up ?? false;
  }

  /** The write queue of the current election (null while not leading); the market bench offers its load here. */
  get writeQueue(): WriteQueue | null {
    return this.running?.queue ?? null;
  }

  /** Symbols that get trades, books and candles (empty while not leading). */
  watchedSymbols(): string[] {
    return [...(this.running?.watched.keys() ?? [])];
  }

  start(): void {
    this.lease.start();
  }

  /** Adds a watched symbol now (if leading) and for any later election. */
  async watch(symbol: string): Promise<void> {
    this.added.add(symbol);
    this.removed.delete(symbol);
    const r = this.running;
    if (r) await this.startWatching(r, symbol);
  }

  async unwatch(symbol: string): Promise<void> {
    this.added.delete(symbol);
    this.removed.add(symbol);
    const r = this.running;
    if (r) await this.stopWatching(r, symbol);
  }

  /**
   * The symbols WebSocket clients watch now (any process): watched on top of the initial and
   * added ones while they are in the list; one that leaves it is unwatched unless it is initial
   * or added. An `unwatch`ed symbol stays unwatched. Calls run in order, each on the latest list.
   */
  setClientWatched(symbols: Iterable<string>): Promise<void> {
    this.clientWatched = new Set(symbols);
    // A failed round (stream subscribe refused) must not stop the later ones.
    this.reconciling = this.reconciling.catch(() => {}).then(() => this.reconcile());
    return this.reconciling;
  }

  private wants(symbol: string): boolean {
    if (this.removed.has(symbol)) return false;
    return this.added.has(symbol) || this.initial.has(symbol) || this.clientWatched.has(symbol);
  }

  /** Brings the running watch set in line with `wants` (both ways, so a missed change heals). */
  private async reconcile(): Promise<void> {
    const r = this.running;
    if (!r) return;
    for (const symbol of [...r.watched.keys()]) if (!this.wants(symbol)) await this.stopWatching(r, symbol);
    for (const symbol of this.clientWatched) {
      if (this.wants(symbol) && !r.watched.has(symbol)) await this.startWatching(r, symbol);
    }
  }

  private async startWatching(r: Running, symbol: string): Promise<void> {
    if (r.watched.has(symbol)) return;
    const w = this.watchedSymbol(symbol, r.queue, r.reconciler, r.budget);
    await this.resume(w);
    r.watched.set(symbol, w);
    if (r.stream) await r.stream.watch(symbol);
    else await w.catchUp();
  }

  private async stopWatching(r: Running, symbol: string): Promise<void> {
    const w = r.watched.get(symbol);
    if (!w) return;
    r.watched.delete(symbol);
    w.close();
    await r.stream?.unwatch(symbol);
  }

  async close(): Promise<void> {
    await this.lease.close();
    await this.stop();
  }

  private async run(): Promise<void> {
    const o = this.o;
    const queue = new WriteQueue({
      live: o.live,
      market: o.market,
      metrics: o.metrics,
      logger: o.logger,
      ...(o.onFlushed ? { onFlushed: o.onFlushed } : {}),
      ...(o.announces ? { announces: o.announces } : {}),
    });
    const budget = new WeightBudget(o.exchange, o.market);
    const reconciler = new CandleReconciler({
      market: o.market,
      exchange: o.exchange,
      queue,
      metrics: o.metrics,
      logger: o.logger,
      budget,
      ...(o.reconcileDelayMs === undefined ? {} : { delayMs: o.reconcileDelayMs }),
    });
    let initial: readonly string[] = [];
    try {
      initial = await o.initialWatch();
    } catch (err) {
      o.logger.warn(
        { market: o.market, err: errorMessage(err) },
        'watched symbols unknown; starting with the added ones',
      );
    }
    this.initial = new Set(initial);
    const watched = new Map<string, WatchedSymbol>();
    for (const s of new Set([...initial, ...this.added, ...this.clientWatched])) {
      if (this.wants(s)) watched.set(s, this.watchedSymbol(s, queue, reconciler, budget));
    }
    // Continue the stored candles and trade ids before the first trade arrives.
    await Promise.all([...watched.values()].map((w) => this.resume(w)));
    const restStats = new Map<string, Ticker24h>();
    const stream =
      o.source === 'stream'
        ? new StreamFeed({
            market: o.market,
            baseUrl: o.streamUrl,
            exchange: o.exchange,
            queue,
            metrics: o.metrics,
            logger: o.logger,
            livenessMs: o.streamLivenessMs,
            watched,
            restStats,
          })
        : null;
    const rest = new RestFeed({
      market: o.market,
      exchange: o.exchange,
      queue,
      metrics: o.metrics,
      logger: o.logger,
      intervalMs: o.intervalMs,
      statsIntervalMs: o.statsIntervalMs,
      orderBookDepth: o.live.options.orderBookDepth,
      watched,
      restStats,
      streamUp: () => stream?.up ?? false,
      budget,
    });
    // Candles close on the exchange's clock even when no trade arrives to close them.
    const clock = setInterval(() => {
      const now = o.exchange.serverNow(o.market) ?? Date.now();
      for (const w of watched.values()) w.advance(now);
    }, 1000);
    if (!this.lease.isLeader) {
      clearInterval(clock);
      return;
    }
    this.running = { queue, stream, rest, reconciler, clock, watched, budget };
    // Without a stream nothing is held; with one, its first connection starts the catch-up.
    if (!stream) for (const w of watched.values()) void w.catchUp();
    rest.start();
    o.logger.info(
      { market: o.market, source: o.source, watched: [...watched.keys()] },
      'market feed running',
    );
    // Not awaited: subscribing waits for the exchange, which may be down; REST fills in meanwhile.
    stream
      ?.start()
      .catch((err: unknown) =>
        o.logger.warn({ market: o.market, err: errorMessage(err) }, 'market stream subscribe failed'),
      );
  }

  /** Reads the symbol's stored candles and last trade id; on failure it starts afresh. */
  private async resume(w: WatchedSymbol): Promise<void> {
    const o = this.o;
    try {
      const now = o.exchange.serverNow(o.market) ?? Date.now();
      const state = await readStoredFeedState(
        { redis: o.redis, keys: o.keys, data: o.live.data[o.market], market: o.market },
        w.symbol,
        now,
      );
      w.resume(state);
    } catch (err) {
      o.logger.warn(
        { market: o.market, symbol: w.symbol, err: errorMessage(err) },
        'stored candles unreadable; building them afresh',
      );
    }
  }

  private watchedSymbol(
    symbol: string,
    queue: WriteQueue,
    reconciler: CandleReconciler,
    budget: WeightBudget,
  ): WatchedSymbol {
    return new WatchedSymbol(symbol, {
      budget,
      market: this.o.market,
      exchange: this.o.exchange,
      queue,
      metrics: this.o.metrics,
      logger: this.o.logger,
      orderBookDepth: this.o.live.options.orderBookDepth,
      onCandleClosed: (s, candle) => reconciler.schedule(s, candle),
    });
  }

  private async stop(): Promise<void> {
    await this.starting;
    const r = this.running;
    this.running = null;
    this.o.metrics.leader.set({ market: this.o.market }, 0);
    if (!r) return;
    clearInterval(r.clock);
    await r.stream?.close();
    await r.rest.close();
    await r.reconciler.close();
    for (const w of r.watched.values()) w.close();
    await r.queue.close();
  }
}
