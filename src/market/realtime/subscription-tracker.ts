/**
 * Which channels each user's open WebSockets are subscribed to, in Redis (seed:
 * set_user_subscription / get_user_subscriptions), so any process can tell. Per connection a SET
 * of channels with a TTL, and per user a ZSET of connection ids scored by expiry; the heartbeat
 * refreshes both, a close deletes them, and a connection whose process died simply expires.
 * Bookkeeping only: a Redis error never breaks a socket (the caller logs and goes on).
 */
import type { RedisClient } from '../../redis/client.ts';
import type { SessionKeys } from '../../redis/keys/index.ts';

export interface UserSubscription {
  readonly connectionId: string;
  readonly channels: readonly string[];
}

export class SubscriptionTracker {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: SessionKeys,
    private readonly ttlSec: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Replaces the connection's channel set (empty: removes it) and refreshes its expiry. */
  async set(userId: string, connectionId: string, channels: readonly string[]): Promise<void> {
    const key = this.keys.socketSubscriptions(userId, connectionId);
    const tx = this.redis.multi().del(key);
    if (channels.length > 0) tx.sadd(key, ...channels).expire(key, this.ttlSec);
    tx.zadd(this.keys.socketConnections(userId), this.now() + this.ttlSec * 1000, connectionId);
    await tx.exec();
  }

  /** Heartbeat: the connection is alive, keep its subscriptions. */
  async refresh(userId: string, connectionId: string): Promise<void> {
    await this.redis
      .multi()
      .expire(this.keys.socketSubscriptions(userId, connectionId), this.ttlSec)
      .zadd(this.keys.socketConnections(userId), this.now() + this.ttlSec * 1000, connectionId)
      .exec();
  }

  /** The socket closed. */
  async remove(userId: string, connectionId: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.socketSubscriptions(userId, connectionId))
      .zrem(this.keys.socketConnections(userId), connectionId)
      .exec();
  }

  /** The live connections of a user with their channels (expired ones are dropped on the way). */
  async list(userId: string): Promise<UserSubscription[]> {
    const index = this.keys.socketConnections(userId);
    await this.redis.zremrangebyscore(index, '-inf', this.now());
    const ids = await this.redis.zrange(index, 0, -1);
    if (ids.length === 0) return [];
    const reads = this.redis.pipeline();
    for (const id of ids) reads.smembers(this.keys.socketSubscriptions(userId, id));
    const rows = (await reads.exec()) ?? [];
    return ids.map((connectionId, i) => ({
      connectionId,
      channels: ((rows[i]?.[1] as string[] | undefined) ?? []).sort(),
    }));
  }
}
