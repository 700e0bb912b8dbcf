import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { RedisClient } from '../redis/client.ts';
import { DurableAck } from '../redis/durable-ack.ts';
import { refuseWithoutRedis } from '../redis/failure-rules.ts';
import { assertUserId, type SessionKeys, USER_ID_PATTERN } from '../redis/keys/index.ts';

/** A user as listed (never with credential material). */
export interface UserAccount {
  readonly userId: string;
  readonly isAdmin: boolean;
  /** Epoch ms. */
  readonly createdAt: number;
}

export interface UserDirectoryOptions {
  redis: RedisClient;
  /** The registry's session keys (`keys.sessions`). */
  keys: SessionKeys;
  /** Server-side pepper of API key digests (≥ 32 bytes; see `deriveAuthSecrets`). */
  pepper: Buffer;
  /** When given, revoking a user also ends their sessions at once. */
  sessions?: { deleteAllUserSessions(userId: string): Promise<number> };
  /** WAIT for replicas after each account write (see `redis/durable-ack.ts`). @default none */
  durable?: DurableAck;
  now?: () => number;
}

/** API keys as issued: `tck_` + 32 random bytes in base64url. */
export const API_KEY_PATTERN = /^tck_[A-Za-z0-9_-]{43}$/;
const MAX_API_KEY_LENGTH = 256;

/**
 * Users and their API keys. A key is shown once by `addUser` and stored only as
 * HMAC-SHA256(pepper, userId ‖ key).
 *
 * Why HMAC with a pepper rather than scrypt: our keys are 256 random bits, not passwords, so a
 * slow KDF adds no brute-force resistance (2^256 guesses stay out of reach) while it would make
 * every login cost tens of ms of CPU: an easy DoS lever. The pepper lives outside Redis, so a
 * stolen Redis dump cannot even test guesses. Binding the user id stops a digest being replayed
 * for another user.
 */
export class UserDirectory {
  private readonly redis: RedisClient;
  private readonly keys: SessionKeys;
  private readonly pepper: Buffer;
  private readonly sessions: UserDirectoryOptions['sessions'];
  private readonly now: () => number;
  private readonly durable: DurableAck;

  constructor(options: UserDirectoryOptions) {
    if (options.pepper.length < 32) throw new Error('the API key pepper must be at least 32 bytes');
    this.redis = options.redis;
    this.keys = options.keys;
    this.pepper = options.pepper;
    this.sessions = options.sessions;
    this.now = options.now ?? Date.now;
    this.durable = options.durable ?? DurableAck.off;
  }

  /** Creates a user and returns their API key: the only time it is ever visible. CONFLICT if the user exists. */
  async addUser(userId: string, options: { admin?: boolean } = {}): Promise<string> {
    assertUserId(userId);
    const apiKey = `tck_${randomBytes(32).toString('base64url')}`;
    const account = this.keys.account(userId);
    await refuseWithoutRedis('user create', async () => {
      // HSETNX on the digest field is the existence check and the claim in one step.
      const created = await this.redis.hsetnx(
        account,
        'keyDigest',
        this.digest(userId, apiKey).toString('hex'),
      );
      if (created !== 1) {
        throw new TradecacheError(ErrorCodes.CONFLICT, `user ${userId} already exists`, {
          context: { userId },
        });
      }
      // The WAIT after HSET covers the HSETNX before it: same master, same connection.
      const durable = this.durable;
      await Promise.all([
        durable.exec(this.redis, 'user create', (p) =>
          p.hset(account, { isAdmin: options.admin ? '1' : '0', createdAt: String(this.now()) }),
        ),
        durable.exec(this.redis, 'user create', (p) => p.sadd(this.keys.userIndex, userId)),
      ]);
    });
    return apiKey;
  }

  /** Every user, sorted by id. */
  async listUsers(): Promise<UserAccount[]> {
    const ids = await refuseWithoutRedis('user list', () => this.redis.smembers(this.keys.userIndex));
    const users = await Promise.all(
      ids.filter((id) => USER_ID_PATTERN.test(id)).map((id) => this.getUser(id)),
    );
    return users.filter((u): u is UserAccount => u !== null).sort((a, b) => a.userId.localeCompare(b.userId));
  }

  /** The account, or null when unknown or revoked. */
  async getUser(userId: string): Promise<UserAccount | null> {
    assertUserId(userId);
    const fields = await refuseWithoutRedis('user read', () =>
      this.redis.hmget(this.keys.account(userId), 'keyDigest', 'isAdmin', 'createdAt'),
    );
    if (!fields[0]) return null;
    return { userId, isAdmin: fields[1] === '1', createdAt: Number(fields[2] ?? 0) };
  }

  /** Deletes the user's credential (and sessions, when wired): every token of theirs stops working. */
  async revokeUser(userId: string): Promise<boolean> {
    assertUserId(userId);
    const removed = await refuseWithoutRedis('user revoke', async () => {
      // Durable too: a revoked key that a failover brought back would work again.
      const [[deleted]] = await Promise.all([
        this.durable.exec(this.redis, 'user revoke', (p) => p.del(this.keys.account(userId))),
        this.durable.exec(this.redis, 'user revoke', (p) => p.srem(this.keys.userIndex, userId)),
      ]);
      return deleted?.[1] === 1;
    });
    await this.sessions?.deleteAllUserSessions(userId);
    return removed;
  }

  /** Constant-time check of an API key. Unknown users cost the same work as known ones. */
  async verifyApiKey(userId: string, apiKey: string): Promise<boolean> {
    if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) return false;
    if (typeof apiKey !== 'string' || apiKey.length === 0 || apiKey.length > MAX_API_KEY_LENGTH) return false;
    const stored = await refuseWithoutRedis('user read', () =>
      this.redis.hget(this.keys.account(userId), 'keyDigest'),
    );
    const given = this.digest(userId, apiKey);
    const expected = stored && /^[a-f0-9]{64}$/.test(stored) ? Buffer.from(stored, 'hex') : Buffer.alloc(32);
    return timingSafeEqual(given, expected) && stored !== null;
  }

  private digest(userId: string, apiKey: string): Buffer {
    return createHmac('sha256', this.pepper).update(`${userId}\0${apiKey}`).digest();
  }
}
