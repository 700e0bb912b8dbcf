/**
 * The live market feed of a process: one {@link MarketFeed} per configured market (FEED_MARKETS),
 * each run only while this process holds that market's leader lease. Built in `app.ts` for the
 * `start` and `worker` roles.
 */

import type { Redis } from 'ioredis';
import type { FeedConfig } from '../../config/feed.ts';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import type { ExchangeClient, MarketType } from '../../trading/index.ts';
import type { LiveMarket } from '../live-market.ts';
import type { SymbolCatalog } from '../symbols/index.ts';
import { feedMetrics } from './feed-metrics.ts';
import { MarketFeed } from './market-feed.ts';
import type { FlushListener } from './write-queue.ts';

export interface MarketFeedsDeps {
  readonly config: FeedConfig;
  readonly redis: Redis;
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
}

/** How many symbols are watched by default: the first ten of the market's symbol list. */
export const DEFAULT_WATCHED = 10;

const SYMBOL = /^[A-Z0-9]{2,30}$/;

export class MarketFeeds {
  private readonly feeds = new Map<MarketType, MarketFeed>();

  constructor(deps: MarketFeedsDeps) {
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
          initialWatch: async () =>
            config.watchSymbols ??
            (await deps.symbols.get(market)).listing.symbols.slice(0, DEFAULT_WATCHED).map((s) => s.symbol),
          ...(deps.reconcileDelayMs === undefined ? {} : { reconcileDelayMs: deps.reconcileDelayMs }),
        }),
      );
    }
  }

  /** Starts trying for each market's lease. */
  start(): void {
    for (const f of this.feeds.values()) f.start();
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
    await Promise.all([...this.feeds.values()].map((f) => f.close()));
  }
}

function checkSymbol(symbol: string): string {
  if (!SYMBOL.test(symbol)) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'symbol must match ^[A-Z0-9]{2,30}$');
  }
  return symbol;
}
