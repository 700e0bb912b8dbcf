import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { RedisClient } from '../redis/client.ts';
import { DurableAck } from '../redis/durable-ack.ts';
import { refuseWithoutRedis } from '../redis/failure-rules.ts';
import { assertUserId, type SessionKeys } from '../redis/keys/index.ts';
import { type UserPreferences, validatePreferences } from './preferences.ts';

const CHANNEL_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_SUBSCRIPTION_BYTES = 4096;

export interface UserPreferencesStoreOptions {
  redis: RedisClient;
  /** The registry's session keys (`keys.sessions`). */
  keys: SessionKeys;
  /** WAIT for replicas after each write (see `redis/durable-ack.ts`). @default none */
  durable?: DurableAck;
}

/**
 * Preferences and channel subscriptions of a user (Python platform: UserSessionCache preferences and
 * WebSocket subscriptions). Durable user data: stored without TTL, never evicted.
 */
export class UserPreferencesStore {
  private readonly redis: RedisClient;
  private readonly keys: SessionKeys;
  private readonly durable: DurableAck;

  constructor(options: UserPreferencesStoreOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.durable = options.durable ?? DurableAck.off;
  }

  /** The user's preferences; `{}` when none were saved. */
  async getUserPreferences(userId: string): Promise<UserPreferences> {
    const raw = await refuseWithoutRedis('preferences read', () =>
      this.redis.get(this.keys.preferences(userId)),
    );
    return raw ? (JSON.parse(raw) as UserPreferences) : {};
  }

  /** Replaces the user's preferences after validation (VALIDATION_FAILED on unknown fields or bad types). */
  async setUserPreferences(userId: string, preferences: unknown): Promise<UserPreferences> {
    assertUserId(userId);
    const clean = validatePreferences(preferences);
    await refuseWithoutRedis('preferences write', () =>
      this.durable.exec(this.redis, 'preferences write', (p) =>
        p.set(this.keys.preferences(userId), JSON.stringify(clean)),
      ),
    );
    return clean;
  }

  /** Saves what the user follows on a channel (e.g. `websocket` → `{ channels: [...] }`). */
  async setUserSubscription(userId: string, channel: string, data: Record<string, unknown>): Promise<void> {
    assertUserId(userId);
    assertChannel(channel);
    const json = JSON.stringify(data);
    if (
      typeof data !== 'object' ||
      data === null ||
      Array.isArray(data) ||
      Buffer.byteLength(json) > MAX_SUBSCRIPTION_BYTES
    ) {
      throw new TradecacheError(
        ErrorCodes.VALIDATION_FAILED,
        `subscription data must be a JSON object ≤ ${MAX_SUBSCRIPTION_BYTES} bytes`,
      );
    }
    await refuseWithoutRedis('subscription write', () =>
      this.durable.exec(this.redis, 'subscription write', (p) =>
        p.hset(this.keys.subscriptions(userId), channel, json),
      ),
    );
  }

  /** Channel → subscription data. */
  async getUserSubscriptions(userId: string): Promise<Record<string, Record<string, unknown>>> {
    const raw = await refuseWithoutRedis('subscription read', () =>
      this.redis.hgetall(this.keys.subscriptions(userId)),
    );
    const out: Record<string, Record<string, unknown>> = {};
    for (const [channel, json] of Object.entries(raw))
      out[channel] = JSON.parse(json) as Record<string, unknown>;
    return out;
  }

  /** True when the subscription existed. */
  async deleteUserSubscription(userId: string, channel: string): Promise<boolean> {
    assertChannel(channel);
    const removed = await refuseWithoutRedis('subscription delete', () =>
      this.redis.hdel(this.keys.subscriptions(userId), channel),
    );
    return removed === 1;
  }
}

function assertChannel(channel: string): void {
  if (typeof channel !== 'string' || !CHANNEL_PATTERN.test(channel)) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'invalid subscription channel');
  }
}
