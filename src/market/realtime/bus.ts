/**
 * The API process's side of the fan-out: one subscriber connection listening to the alert
 * notifications channel and both markets' update channels, handing what arrives to listeners
 * (the WebSocket hub). Messages that do not parse are dropped.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.ts';
import type { Keys } from '../../redis/keys/index.ts';
import { MARKET_TYPES, type MarketType } from '../../trading/index.ts';
import type { OwnedNotification } from '../alerts/index.ts';
import { type MarketUpdate, parseUpdateMessage } from './updates.ts';

export interface RealtimeListener {
  onNotification(owned: OwnedNotification): void;
  onMarketUpdates(market: MarketType, updates: readonly MarketUpdate[]): void;
}

export class RealtimeBus {
  private readonly listeners = new Set<RealtimeListener>();
  private readonly channels: Map<string, MarketType | 'notifications'>;

  constructor(
    private readonly subscriber: Redis,
    keys: Keys,
    private readonly logger: Logger,
  ) {
    this.channels = new Map<string, MarketType | 'notifications'>([
      [keys.alerts.notificationsChannel, 'notifications'],
      ...MARKET_TYPES.map((m) => [keys.market.updatesChannel(m), m] as const),
    ]);
    subscriber.on('message', (channel: string, text: string) => this.dispatch(channel, text));
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
      if (target === 'notifications') {
        const owned = parseNotification(text);
        if (owned) for (const l of this.listeners) l.onNotification(owned);
        return;
      }
      const updates = parseUpdateMessage(text, target);
      if (updates && updates.length > 0) for (const l of this.listeners) l.onMarketUpdates(target, updates);
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
