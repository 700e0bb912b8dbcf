/**
 * The live-market part of the object graph: the market in Redis, price alerts, the realtime
 * fan-out to WebSocket clients, and the feed that keeps them current. Built by `createApp`, which
 * owns the order: every resource registers its closer as it is created.
 */

import type { Config } from './config/types.ts';
import type { Logger } from './logger.ts';
import { PriceAlerts, TradableSymbols } from './market/alerts/index.ts';
import { MarketFeeds } from './market/feed/index.ts';
import { LiveMarket } from './market/live-market.ts';
import { ClientWatchAnnouncer } from './market/realtime/client-watch-announcer.ts';
import { ClientWatchList } from './market/realtime/client-watch-list.ts';
import { WebSocketHub } from './market/realtime/hub.ts';
import { MarketUpdatePublisher, RealtimeBus } from './market/realtime/index.ts';
import { SubscriptionTracker } from './market/realtime/subscription-tracker.ts';
import type { SymbolCatalog } from './market/symbols/index.ts';
import type { Metrics } from './metrics.ts';
import type { CleanupRegistry } from './operations/index.ts';
import type { RedisClient } from './redis/client.ts';
import type { DurableAck } from './redis/durable-ack.ts';
import type { Keys } from './redis/keys/index.ts';
import type { ExchangeClient, MarketType } from './trading/index.ts';

/** Resources closed by `createApp` in reverse order of creation. */
export type Closers = Array<{ name: string; close: () => Promise<unknown> }>;

export interface Realtime {
  /** The feed's side: market updates to every process. */
  readonly publisher: MarketUpdatePublisher;
  /** This process's subscriber (null for CLI tools). */
  readonly bus: RealtimeBus | null;
  /** The WebSocket sockets of this process (`hub.onWatch`: a symbol's first subscriber here). */
  readonly hub: WebSocketHub;
  /** The symbols WebSocket clients of every process watch; the feed leader watches them too. */
  readonly clientWatch: ClientWatchList;
}

export interface MarketServices {
  readonly market: LiveMarket;
  readonly alerts: PriceAlerts;
  readonly tradableSymbols: TradableSymbols;
  readonly realtime: Realtime;
}

interface MarketDeps {
  readonly config: Config;
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly exchange: ExchangeClient;
  readonly logger: Logger;
  readonly closers: Closers;
}

export async function openMarketServices(
  deps: MarketDeps & { subscriber: (() => RedisClient) | null; durable: DurableAck },
): Promise<MarketServices> {
  const { config, redis, keys, logger, closers } = deps;
  const m = config.market;
  const market = new LiveMarket({
    redis,
    keys: keys.market,
    options: {
      realtimeTtlMs: m.realtimeTtlSec * 1000,
      statsTtlMs: m.statsTtlSec * 1000,
      infoTtlMs: m.infoTtlSec * 1000,
      freshMs: m.freshMs,
      tradesKept: m.tradesKept,
      orderBookDepth: m.orderBookDepth,
      retentionMs: m.retentionMs,
    },
  });
  const alerts = new PriceAlerts({
    redis,
    keys: keys.alerts,
    maxAlertsPerUser: config.alerts.maxAlertsPerUser,
    notificationsKept: config.alerts.notificationsKept,
    durable: deps.durable,
    currentPrice: (marketType, symbol) => market.data[marketType].getPrice(symbol),
  });
  const tradableSymbols = new TradableSymbols({
    exchange: deps.exchange,
    ttlMs: config.symbols.cacheTtlSec * 1000,
  });

  let bus: RealtimeBus | null = null;
  if (deps.subscriber) {
    const realtimeBus = new RealtimeBus(deps.subscriber(), keys, logger);
    bus = realtimeBus;
    closers.push({ name: 'realtime bus', close: () => realtimeBus.close() });
    await realtimeBus.start();
  }
  const ws = config.webSocket;
  const hub = new WebSocketHub({
    bus,
    tracker: new SubscriptionTracker(redis, keys.sessions, ws.subscriptionTtlSec),
    limits: ws,
    logger,
    heartbeatMs: hubHeartbeatMs(ws.subscriptionTtlSec),
  });
  closers.push({ name: 'websocket hub', close: () => hub.close() });
  const clientWatch = new ClientWatchList(redis, keys.market, ws.subscriptionTtlSec * 1000);
  const announcer = new ClientWatchAnnouncer(hub, clientWatch, logger, hubHeartbeatMs(ws.subscriptionTtlSec));
  closers.push({ name: 'client watch announcer', close: () => announcer.close() });
  const realtime = { publisher: new MarketUpdatePublisher(redis, keys.market), bus, hub, clientWatch };
  return { market, alerts, tradableSymbols, realtime };
}

/** A third of the subscription TTL (at most 30 s): two missed beats still leave one in time. */
function hubHeartbeatMs(subscriptionTtlSec: number): number {
  return Math.min(30_000, (subscriptionTtlSec * 1000) / 3);
}

/**
 * Expired alerts, ticks and candles past their retention, and client-watched symbols no client
 * announced within the TTL go with the cleanup and the nightly maintenance.
 */
export function registerMarketCleanup(
  cleanup: CleanupRegistry,
  { market, alerts, realtime }: Pick<MarketServices, 'market' | 'alerts' | 'realtime'>,
): void {
  cleanup.register('alerts', async () => {
    const result = await alerts.cleanup();
    return result.expiredRemoved + result.outboxRecovered;
  });
  cleanup.register('client-watched-symbols', () => realtime.clientWatch.removeStale());
  cleanup.register('market-data', async () => {
    let removed = 0;
    for (const result of Object.values(await market.cleanupOldData())) {
      removed += result.ticks + result.indexEntries;
      for (const count of Object.values(result.candles)) removed += count;
    }
    return removed;
  });
}

/**
 * Starts the feed of every configured market (roles `start` and `worker`), or returns null when
 * none is configured. Every flushed price moves the alerts; every flush goes out to the WebSocket
 * clients of every process; a symbol a client of any process subscribes to becomes a watched
 * symbol of the leader (the shared client watch list, read periodically and on each nudge).
 */
export function startMarketFeeds(
  deps: MarketDeps & { symbols: SymbolCatalog; metrics: Metrics },
  streamUrls: Readonly<Record<MarketType, string>>,
  {
    market,
    alerts,
    realtime,
    tradableSymbols,
  }: Pick<MarketServices, 'market' | 'alerts' | 'realtime' | 'tradableSymbols'>,
): MarketFeeds | null {
  const { config } = deps;
  if (config.feed.markets.length === 0) return null;
  const feeds = new MarketFeeds({
    config: config.feed,
    redis: deps.redis,
    keys: deps.keys.market,
    live: market,
    exchange: deps.exchange,
    symbols: deps.symbols,
    streamUrls,
    metrics: deps.metrics,
    logger: deps.logger,
    // The updates go out first: on the shared connection Redis answers in order, so a PUBLISH
    // queued after the flush's alert checks would wait for every one of them. The updates are
    // those of symbols some WebSocket client watches (MarketFeeds.clientWatches).
    onFlushed: (marketType, digest) =>
      Promise.all([
        digest.updates.length > 0 ? realtime.publisher.publish(marketType, digest.updates) : null,
        digest.prices.length > 0 ? alerts.checkPrices(marketType, digest.prices) : null,
      ]),
    clientWatch: realtime.clientWatch,
    isListed: (m, symbol) => tradableSymbols.isTradable(m, symbol),
  });
  const stopNudges = realtime.bus?.listen({ onClientWatch: (m) => void feeds.syncClientWatched(m) });
  if (stopNudges) deps.closers.push({ name: 'client watch nudges', close: async () => stopNudges() });
  // After the jobs: closed before them (reverse order), so the last writes still go out.
  deps.closers.push({ name: 'market feed', close: () => feeds.close() });
  feeds.start();
  return feeds;
}
