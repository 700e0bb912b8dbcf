/**
 * The stream side of one market's feed: `!miniTicker@arr` for every symbol's price, and for the
 * watched symbols `<s>@aggTrade`, `<s>@bookTicker` and `<s>@depth@100ms`. Every message becomes
 * writes on the shared queue, ordered by the exchange (event time `E`, update id, trade id).
 */

import { errorMessage } from '../../errors.ts';
import {
  ALL_MINI_TICKERS,
  type BookTicker,
  createStreamClient,
  type MiniTicker,
  type StreamClient,
  type StreamEvent,
  watchedSymbolStreams,
} from '../../exchange/binance/streams/index.ts';
import type { Logger } from '../../logger.ts';
import type { ExchangeClient, MarketType, Ticker24h } from '../../trading/index.ts';
import type { MarketWriteBatch } from '../writes/index.ts';
import type { FeedMetrics } from './feed-metrics.ts';
import type { WatchedSymbol } from './watched-symbol.ts';
import type { WriteQueue } from './write-queue.ts';

export interface StreamFeedDeps {
  readonly market: MarketType;
  readonly baseUrl: string;
  readonly exchange: ExchangeClient;
  readonly queue: WriteQueue;
  readonly metrics: FeedMetrics;
  readonly logger: Logger;
  readonly livenessMs: number;
  /** The watched symbols' state, shared with the REST fill-in. */
  readonly watched: ReadonlyMap<string, WatchedSymbol>;
  /** The latest REST 24h row per symbol: the members a mini ticker does not carry. */
  readonly restStats: ReadonlyMap<string, Ticker24h>;
}

export class StreamFeed {
  private readonly client: StreamClient;
  private started = false;
  /** The newest mini ticker per symbol not yet written as its 24h record. */
  private readonly latestTickers = new Map<string, MiniTicker>();

  constructor(private readonly deps: StreamFeedDeps) {
    const { market, metrics } = deps;
    this.client = createStreamClient({ baseUrl: deps.baseUrl, market, livenessTimeoutMs: deps.livenessMs });
    this.client.on('event', (event) => this.onEvent(event));
    this.client.on('state', (change) => {
      if (change.state === 'reconnecting') metrics.reconnects.inc({ market });
      metrics.streamUp.set({ market }, this.up ? 1 : 0);
      // Trades the stream missed while down are fetched before its own are applied again.
      for (const w of deps.watched.values()) {
        if (change.state === 'connected') void w.catchUp();
        else w.streamDown();
      }
      if (change.state !== 'connected' && change.state !== 'closed') {
        deps.logger.warn({ market, state: change.state }, 'market stream not connected: REST fills in');
      }
    });
    this.client.on('rejected', (reason) => deps.logger.warn({ market, reason }, 'stream message rejected'));
  }

  /** True while every stream connection is up: REST then leaves prices, books and trades alone. */
  get up(): boolean {
    return this.started && this.client.state === 'connected' && this.client.streams().length > 0;
  }

  /** Subscribes to the all-symbol prices and the watched symbols' streams. */
  async start(): Promise<void> {
    this.started = true;
    const streams = [
      ALL_MINI_TICKERS,
      ...[...this.deps.watched.keys()].flatMap((s) => watchedSymbolStreams(s)),
    ];
    await this.client.subscribe(streams);
  }

  /** Subscribes a newly watched symbol's streams, then catches its trades up to them. */
  async watch(symbol: string): Promise<void> {
    await this.client.subscribe(watchedSymbolStreams(symbol));
    await this.deps.watched.get(symbol)?.catchUp();
  }

  async unwatch(symbol: string): Promise<void> {
    await this.client.unsubscribe(watchedSymbolStreams(symbol));
  }

  async close(): Promise<void> {
    this.started = false;
    await this.client.close();
    this.deps.metrics.streamUp.set({ market: this.deps.market }, 0);
  }

  /**
   * Handles one decoded stream event (what the stream client emits for each frame). Public so
   * the `market` benchmark drives the feed's own path with frames it decodes itself.
   */
  onEvent(event: StreamEvent): void {
    const { market, metrics, watched } = this.deps;
    metrics.messages.inc({ market, kind: event.kind });
    try {
      switch (event.kind) {
        case 'miniTickers':
          this.onMiniTickers(event.data);
          return;
        case 'miniTicker':
          this.onMiniTickers([event.data]);
          return;
        case 'aggTrade':
          watched.get(event.data.s)?.onAggTrade(event.data);
          return;
        case 'depthUpdate':
          watched.get(event.data.s)?.onDepth(event.data);
          return;
        case 'bookTicker':
          this.onBookTicker(event.data);
          return;
        case 'kline':
          return;
      }
    } catch (err) {
      // One bad message (a symbol the key registry refuses, a malformed diff) must not stop the rest.
      this.deps.logger.warn(
        { market, stream: event.stream, err: errorMessage(err) },
        'stream message skipped',
      );
    }
  }

  private onMiniTickers(tickers: readonly MiniTicker[]): void {
    const { queue, metrics, market } = this.deps;
    let newest = 0;
    for (const t of tickers) {
      newest = Math.max(newest, t.E);
      // The current price on the price lane, every price into the series with the bulk; the
      // 24h record only needs the newest per flush.
      queue.price(t.s, t.c, t.E);
      const held = this.latestTickers.get(t.s);
      if (!held || held.E <= t.E) this.latestTickers.set(t.s, t);
    }
    if (this.latestTickers.size > 0) queue.defer(this, (b) => this.writeStats(b));
    if (newest > 0) metrics.lagSeconds.set({ market }, (Date.now() - newest) / 1000);
  }

  /** The newest mini ticker of each symbol since the last flush, as its 24h record. */
  private writeStats(b: MarketWriteBatch): void {
    const { restStats, logger, market } = this.deps;
    const tickers = [...this.latestTickers.values()];
    this.latestTickers.clear();
    for (const t of tickers) {
      // The mini ticker refreshes the rolling-window members it carries; the others stay
      // those of the latest REST answer (all of them the exchange's strings as sent).
      const rest = restStats.get(t.s);
      try {
        b.stats24h(
          t.s,
          {
            ...(rest ? restFields(rest) : {}),
            openPrice: t.o,
            highPrice: t.h,
            lowPrice: t.l,
            lastPrice: t.c,
            volume: t.v,
            quoteVolume: t.q,
            closeTime: t.E,
          },
          { seq: t.E, time: t.E },
        );
      } catch (err) {
        logger.warn({ market, symbol: t.s, err: errorMessage(err) }, 'mini ticker statistics skipped');
      }
    }
  }

  private onBookTicker(t: BookTicker): void {
    const { queue, exchange, market } = this.deps;
    // Spot bookTicker carries no time: stamp it with the exchange's clock, the same ordering
    // the REST bookTicker gets, so neither source's seq dwarfs the other's.
    const seq = t.E ?? exchange.serverNow(market) ?? Date.now();
    queue.add((b) =>
      b.bookTicker(
        t.s,
        { bidPrice: t.b, bidQty: t.B, askPrice: t.a, askQty: t.A },
        { seq, time: t.E ?? seq },
      ),
    );
  }
}

/** The members of a REST 24h row a mini ticker does not carry. */
export function restFields(r: Ticker24h) {
  return {
    priceChange: r.priceChange,
    priceChangePercent: r.priceChangePercent,
    count: r.count,
    openTime: r.openTime,
  };
}
