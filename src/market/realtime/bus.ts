/**
 * The API process's side of the fan-out: one subscriber connection listening to the alert
 * notifications channel, both markets' update channels and their client-watch nudges, handing
 * what arrives to listeners (the WebSocket hub; the feed for the nudges). Messages that do not
 * parse are dropped.
 */

import type { Logger } from '../../logger.ts';
import type { RedisClient } from '../../redis/client.ts';
import type { Keys } from '../../redis/keys/index.ts';
import { MARKET_TYPES, type MarketType } from '../../trading/index.ts';
import type { OwnedNotification } from '../alerts/index.ts';
import { type MarketUpdate, parseUpdateMessage } from './updates.ts';

export interface RealtimeListener {
  onNotification?(owned: OwnedNotification): void;
  onMarketUpdates?(market: MarketType, updates: readonly MarketUpdate[]): void;
  /** A symbol of `market` just got its first WebSocket client in some process. */
  onClientWatch?(market: MarketType): void;
}

type Target =
  | { readonly kind: 'notifications' }
  | { readonly kind: 'updates' | 'watch'; readonly market: MarketType };

export class RealtimeBus {
  private readonly listeners = new Set<RealtimeListener>();
  private readonly channels: Map<string, Target>;

  constructor(
    private readonly subscriber: RedisClient,
    keys: Keys,
    private readonly logger: Logger,
  ) {
    this.channels = new Map<string, Target>([
      [keys.alerts.notificationsChannel, { kind: 'notifications' }],
      ...MARKET_TYPES.map(
        (market) => [keys.market.updatesChannel(market), { kind: 'updates', market }] as const,
      ),
      ...MARKET_TYPES.map(
        (market) => [keys.market.clientWatchChannel(market), { kind: 'watch', market }] as const,
      ),
    ]);
    subscriber.on('message', (channel: string, text: string) => this.dispatch(channel, text));
    // Without a listener ioredis prints every reconnect failure of an outage to stderr, past
    // the logger; the outage itself is reported by the command connection's health.
    subscriber.on('error', (err: Error) =>
      this.logger.debug({ err: err.message }, 'realtime bus connection error'),
    );
  }

  /** Subscribes; ioredis re-subscribes by itself after a reconnect. */
  async start(): Promise<void> {
    await this.subscriber.subscribe(...this.channels.keys());
  }

  listen(listener: RealtimeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber.disconnect();
  }

  private dispatch(channel: string, text: string): void {
    const target = this.channels.get(channel);
    if (target === undefined) return;
    try {
      if (target.kind === 'notifications') {
        const owned = parseNotification(text);
        if (owned) for (const l of this.listeners) l.onNotification?.(owned);
        return;
      }
      if (target.kind === 'watch') {
        for (const l of this.listeners) l.onClientWatch?.(target.market);
        return;
      }
      const updates = parseUpdateMessage(text, target.market);
      if (updates && updates.length > 0) {
        for (const l of this.listeners) l.onMarketUpdates?.(target.market, updates);
      }
    } catch (err) {
      this.logger.warn({ err, channel }, 'realtime listener failed');
    }
  }
}

function parseNotification(text: string): OwnedNotification | null {
  try {
    const parsed = JSON.parse(text) as OwnedNotification;
    if (typeof parsed?.userId !== 'string' || typeof parsed.notification?.id !== 'string') return null;
    return parsed;
  } catch {
    return null;
  }
}
