/**
 * Delivery of triggers from a symbol's outbox to their users: each notification goes into the
 * user's capped list (newest first), the alert leaves the user's active set, the notification is
 * published to every process, and only then is the outbox entry deleted. A crash in between
 * leaves the entry in the outbox; `recover` delivers it again later, and since the list is a
 * ZSET whose member is the notification's JSON, a second delivery adds nothing (the pub/sub
 * message may repeat: clients dedupe by `id`).
 */
import type { RedisClient } from '../../redis/client.ts';
import type { AlertKeys } from '../../redis/keys/index.ts';
import { SlotPipelines } from '../../redis/slot-pipelines.ts';
import type { MarketType } from '../../trading/index.ts';
import type { AlertNotification, OwnedNotification, RawNotification } from './types.ts';

/** One trigger read from an outbox: its stream id and the JSON the script wrote. */
export interface OutboxEntry {
  readonly market: MarketType;
  readonly symbol: string;
  readonly streamId: string;
  readonly json: string;
}

export interface NotificationStoreDeps {
  readonly redis: RedisClient;
  readonly keys: AlertKeys;
  /** Notifications kept per user. */
  readonly kept: number;
}

/** Most notifications one list read returns. */
export const MAX_NOTIFICATIONS_LIMIT = 500;

export class NotificationStore {
  constructor(private readonly deps: NotificationStoreDeps) {}

  /** Delivers outbox entries (see the file header); returns the delivered notifications. */
  async deliver(entries: readonly OutboxEntry[]): Promise<OwnedNotification[]> {
    if (entries.length === 0) return [];
    const { redis, keys, kept } = this.deps;
    const delivered: OwnedNotification[] = [];
    // Users' keys and outboxes sit in many slots: one pipeline per master on a Cluster. The
    // PUBLISH (no key) rides on its user's pipeline, after that user's writes.
    const writes = new SlotPipelines(redis);
    for (const entry of entries) {
      const raw = JSON.parse(entry.json) as RawNotification;
      const list = keys.notifications(raw.userId);
      writes.on(list).zadd(list, raw.triggeredAt, entry.json);
      writes.on(list).zremrangebyrank(list, 0, -(kept + 1));
      writes.on(list).zrem(keys.activeAlerts(raw.userId), raw.alertId);
      const owned = { userId: raw.userId, notification: toNotification(raw) };
      writes.on(list).publish(keys.notificationsChannel, JSON.stringify(owned));
      delivered.push(owned);
    }
    const results = await writes.exec();
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
    const done = new SlotPipelines(redis);
    for (const entry of entries) {
      const outbox = keys.outbox(entry.market, entry.symbol);
      done.on(outbox).xdel(outbox, entry.streamId);
    }
    await done.exec();
    return delivered;
  }

  /**
   * Delivers outbox entries older than `olderThanMs` (left by a process that died between its
   * check and the delivery). Younger entries are presumably being delivered by their checker.
   */
  async recover(olderThanMs = 30_000, now = Date.now()): Promise<number> {
    const { redis, keys } = this.deps;
    let count = 0;
    for (const area of await redis.smembers(keys.symbolsWithAlerts)) {
      const [market, symbol] = area.split(':') as [MarketType, string];
      const rows = (await redis.xrange(
        keys.outbox(market, symbol),
        '-',
        String(now - olderThanMs),
        'COUNT',
        1000,
      )) as [string, string[]][];
      const entries = rows.map(([streamId, fields]) => ({
        market,
        symbol,
        streamId,
        json: fields[1] ?? '{}',
      }));
      count += (await this.deliver(entries)).length;
    }
    return count;
  }

  /** The user's notifications, newest first. */
  async list(userId: string, limit: number): Promise<AlertNotification[]> {
    const rows = await this.deps.redis.zrevrange(this.deps.keys.notifications(userId), 0, limit - 1);
    return rows.map((json) => toNotification(JSON.parse(json) as RawNotification));
  }
}

/** The public shape of a stored notification (no owner, ISO time). */
export function toNotification(raw: RawNotification): AlertNotification {
  return {
    id: raw.id,
    alertId: raw.alertId,
    symbol: raw.symbol,
    market: raw.market,
    condition: raw.condition,
    targetPrice: raw.targetPrice,
    price: raw.price,
    triggeredAt: new Date(raw.triggeredAt).toISOString(),
  };
}
