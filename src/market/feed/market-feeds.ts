/**
 * The live market feed of a process: one {@link MarketFeed} per configured market (FEED_MARKETS),
 * each run only while this process holds that market's leader lease. Built in `app.ts` for the
 * `start` and `worker` roles.
 */

import type { FeedConfig } from '../../config/feed.ts';
import { ErrorCodes, errorMessage, TradecacheError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import type { ExchangeClient, MarketType } from '../../trading/index.ts';
import type { LiveMarket } from '../live-market.ts';
import type { SymbolCatalog } from '../symbols/index.ts';
import { feedMetrics } from './feed-metrics.ts';
import { MarketFeed } from './market-feed.ts';
import type { FlushListener } from './write-queue.ts';

export interface MarketFeedsDeps {
  readonly config: FeedConfig;
  readonly redis: RedisClient;
  readonly keys: MarketKeys;
  readonly live: LiveMarket;
  readonly exchange: ExchangeClient;
  readonly symbols: SymbolCatalog;
  readonly streamUrls: Readonly<Record<MarketType, string>>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** For tests: wait after a candle's close before reconciling it. */
  readonly reconcileDelayMs?: number;
  /** Told what each flush wrote (price alerts, realtime fan-out). */
  readonly onFlushed?: FlushListener;
  /**
   * The symbols WebSocket clients of every process watch (the shared watch list), oldest
   * announcement first.
   */
  readonly clientWatch?: { symbols(market: MarketType): Promise<readonly string[]> };
  /**
   * Whether the exchange lists `symbol` in `market` (TRADING): a client-watched symbol that it
   * does not is never watched. Without it, every well-formed symbol is taken.
   */
  readonly isListed?: (market: MarketType, symbol: string) => Promise<boolean>;
  /** How often a leader reads the client watch list (besides on a nudge). @default 2000 */
  readonly clientWatchSyncMs?: number;
}

/** How often a leader reads the client watch list when no nudge came. */
export const CLIENT_WATCH_SYNC_MS = 2000;

/** How many symbols are watched by default: the first ten of the market's symbol list. */
export const DEFAULT_WATCHED = 10;

const SYMBOL = /^[A-Z0-9]{2,30}$/;

export class MarketFeeds {
  private readonly feeds = new Map<MarketType, MarketFeed>();
  private syncTimer: NodeJS.Timeout | null = null;
  /** Whether the last client-watch read failed (logged once until one succeeds). */
  private syncFailing = false;
  /** Per market, every symbol on the client watch list as last read (unbounded by listing). */
  private readonly clientSymbols = new Map<MarketType, ReadonlySet<string>>();

  constructor(private readonly deps: MarketFeedsDeps) {
    const { config } = deps;
    const metrics = feedMetrics(deps.metrics.registry);
    for (const market of config.markets) {
      this.feeds.set(
        market,
        new MarketFeed({
          market,
          redis: deps.redis,
          leaseKey: deps.keys.feedLease(market),
          keys: deps.keys,
          leaseTtlMs: config.leaseTtlMs,
          live: deps.live,
          exchange: deps.exchange,
          streamUrl: deps.streamUrls[market],
          source: config.source,
          intervalMs: config.intervalMs,
          statsIntervalMs: config.statsIntervalMs,
          streamLivenessMs: config.streamLivenessMs,
          metrics,
          logger: deps.logger.child({ component: 'feed' }),
          ...(deps.onFlushed ? { onFlushed: deps.onFlushed } : {}),
          announces: (symbol) => this.clientWatches(market, symbol),
          initialWatch: async () =>
            config.watchSymbols ??
            (await deps.symbols.get(market)).listing.symbols.slice(0, DEFAULT_WATCHED).map((s) => s.symbol),
          ...(deps.reconcileDelayMs === undefined ? {} : { reconcileDelayMs: deps.reconcileDelayMs }),
        }),
      );
    }
  }

  /** Starts trying for each market's lease, and reading the client watch list while leading. */
  start(): void {
    for (const f of this.feeds.values()) f.start();
    if (this.deps.clientWatch && !this.syncTimer) {
      this.syncTimer = setInterval(
        () => void this.syncClientWatched(),
        this.deps.clientWatchSyncMs ?? CLIENT_WATCH_SYNC_MS,
      );
      this.syncTimer.unref();
    }
  }

  /**
   * Reads the client watch list of `market` (every configured market by default) and hands it
   * to each feed this process leads. Never throws: a failed read keeps the current set.
   */
  async syncClientWatched(market?: MarketType): Promise<void> {
    const list = this.deps.clientWatch;
    if (!list) return;
    for (const feed of this.feeds.values()) {
      if (!feed.isLeader || (market !== undefined && feed.market !== market)) continue;
      try {
        const announced = await list.symbols(feed.market);
        this.clientSymbols.set(feed.market, new Set(announced));
        await feed.setClientWatched(await this.listedClientSymbols(feed.market, announced));
        this.syncFailing = false;
      } catch (err) {
        if (!this.syncFailing) {
          this.deps.logger.warn(
            { market: feed.market, err: errorMessage(err) },
            'client watch list not applied; retrying',
          );
        }
        this.syncFailing = true;
      }
    }
  }

  /**
   * What clients may add to the watch list: symbols the exchange lists, the most recently
   * announced `maxClientWatched` of them. Any client can subscribe to any well-formed symbol;
   * without these bounds, made-up or countless symbols would each cost the leader a stream
   * subscription, a depth snapshot and REST weight. Throws when the exchange cannot say (the
   * caller keeps the current set).
   */
  private async listedClientSymbols(market: MarketType, announced: readonly string[]): Promise<string[]> {
    const { isListed, config } = this.deps;
    const kept: string[] = [];
    for (let i = announced.length - 1; i >= 0 && kept.length < config.maxClientWatched; i--) {
      const symbol = announced[i]!;
      if (!isListed || (await isListed(market, symbol))) kept.push(symbol);
    }
    return kept.reverse();
  }

  /**
   * Whether a WebSocket client of some process watches `symbol` (any channel of it), by the
   * client watch list as this leader last read it; true while that list was never read (or there
   * is none), so nothing is held back before the first read. A flush's digest carries only these
   * symbols' updates: a flush holds every symbol of the market, and building and serialising all
   * of them for hubs that would parse and drop them cost the feed's event loop several ms a flush.
   */
  clientWatches(market: MarketType, symbol: string): boolean {
    if (!this.deps.clientWatch) return true;
    const symbols = this.clientSymbols.get(market);
    return symbols === undefined || symbols.has(symbol);
  }

  /** The feed of a market, if it is configured. */
  feed(market: MarketType): MarketFeed | undefined {
    return this.feeds.get(market);
  }

  /**
   * Watches a symbol (trades, book, candles) from now on; kept across leader changes of this
   * process. Refuses a malformed symbol; a market without a feed here is a no-op (false).
   */
  async watch(market: MarketType, symbol: string): Promise<boolean> {
    const feed = this.feeds.get(market);
    if (!feed) return false;
    await feed.watch(checkSymbol(symbol));
    return true;
  }

  async unwatch(market: MarketType, symbol: string): Promise<boolean> {
    const feed = this.feeds.get(market);
    if (!feed) return false;
    await feed.unwatch(checkSymbol(symbol));
    return true;
  }

  /** Stops every market's feed and releases the leases held. */
  async close(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    await Promise.all([...this.feeds.values()].map((f) => f.close()));
  }
}

function checkSymbol(symbol: string): string {
  if (!SYMBOL.test(symbol)) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'symbol must match ^[A-Z0-9]{2,30}$');
  }
  return symbol;
}
