/**
 * Delivery of triggers from a symbol's outbox to their users: each notification goes into the
 * user's capped list (newest first), the alert leaves the user's active set, the notification is
 * published to every process, and only then is the outbox entry deleted. A crash in between
 * leaves the entry in the outbox; `recover` delivers it again later, and since the list is a
 * ZSET whose member is the notification's JSON, a second delivery adds nothing (the pub/sub
 * message may repeat: clients dedupe by `id`).
 */

import { ErrorCodes, isTradecacheError } from '../../errors.ts';
import { groupBy, type RedisClient } from '../../redis/client.ts';
import { DurableAck } from '../../redis/durable-ack.ts';
import type { AlertKeys } from '../../redis/keys/index.ts';
import { masterOf } from '../../redis/slot-pipelines.ts';
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
  /** WAIT for replicas before an outbox entry is deleted; default none. */
  readonly durable?: DurableAck;
}

/** Most notifications one list read returns. */
export const MAX_NOTIFICATIONS_LIMIT = 500;

export class NotificationStore {
  constructor(private readonly deps: NotificationStoreDeps) {}

  /** Delivers outbox entries (see the file header); returns the delivered notifications. */
  async deliver(entries: readonly OutboxEntry[]): Promise<OwnedNotification[]> {
    if (entries.length === 0) return [];
    const { redis, keys, kept, durable = DurableAck.off } = this.deps;
    const raws = entries.map((entry) => ({ entry, raw: JSON.parse(entry.json) as RawNotification }));
    const delivered = raws.map(({ raw }) => ({ userId: raw.userId, notification: toNotification(raw) }));
    // One pipeline per master of the users' slots (one on a single server), each WAITed there.
    const byMaster = groupBy(raws, ({ raw }) => masterOf(redis, keys.notifications(raw.userId)));
    const confirmed = await Promise.all(
      byMaster.map(async (group) => {
        try {
          await durable.exec(redis, 'notification delivery', (writes) => {
            for (const { entry, raw } of group) {
              const list = keys.notifications(raw.userId);
              writes.zadd(list, raw.triggeredAt, entry.json);
              writes.zremrangebyrank(list, 0, -(kept + 1));
              writes.zrem(keys.activeAlerts(raw.userId), raw.alertId);
              const owned = { userId: raw.userId, notification: toNotification(raw) };
              writes.publish(keys.notificationsChannel, JSON.stringify(owned));
            }
          });
          return group.map(({ entry }) => entry);
        } catch (err) {
          // Stored and published, but too few replicas confirmed it: the outbox entries stay, so
          // `recover` delivers them again (the ZADD adds nothing twice) if a failover lost them.
          if (isTradecacheError(err, ErrorCodes.WRITE_UNCONFIRMED)) return [];
          throw err;
        }
      }),
    );
    const outboxes = groupBy(confirmed.flat(), (e) => masterOf(redis, keys.outbox(e.market, e.symbol)));
    await Promise.all(
      outboxes.map((group) => {
        const done = redis.pipeline();
        for (const e of group) done.xdel(keys.outbox(e.market, e.symbol), e.streamId);
        return done.exec();
      }),
    );
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
