import { randomBytes } from 'node:crypto';
import type { AesGcmCipher } from '../crypto/aes-gcm.ts';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import { type RedisClient, scanBatches } from '../redis/client.ts';
import { DurableAck } from '../redis/durable-ack.ts';
import { refuseWithoutRedis } from '../redis/failure-rules.ts';
import { assertUserId, isSessionId, type SessionKeys } from '../redis/keys/index.ts';
import { unlinkAcross } from '../redis/multi-key.ts';

/** What a session remembers about its client (IP, user agent, device...). Encrypted at rest. */
export type SessionData = Record<string, unknown>;

/** A live session as stored (decrypted). */
export interface UserSession {
  readonly sessionId: string;
  readonly userId: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly lastActivityAt: number;
  readonly expiresAt: number;
  /** Sliding TTL: every activity pushes `expiresAt` to `now + ttlSec`. */
  readonly ttlSec: number;
  readonly data: SessionData;
}

export interface UserSessionCacheOptions {
  redis: RedisClient;
  /** The registry's session keys (`keys.sessions`). */
  keys: SessionKeys;
  /** Encrypts session records; the Redis key is the AAD, so a record cannot be moved to another key. */
  cipher: AesGcmCipher;
  /** Live sessions per user; the least recently active beyond this are evicted. @default 10 */
  maxSessionsPerUser?: number;
  /** @default 86400 */
  defaultTtlSec?: number;
  /** Clock (epoch ms); injectable so tests can expire sessions without sleeping. @default Date.now */
  now?: () => number;
  /**
   * Called after sessions are deleted, evicted or revoked, so caches of verified sessions (in
   * every process) forget them at once.
   */
  onSessionsEnded?: (userId: string, sessionIds: readonly string[]) => Promise<unknown>;
  /** WAIT for replicas after each session write (see `redis/durable-ack.ts`). @default none */
  durable?: DurableAck;
}

const MAX_DATA_BYTES = 4096;
const MAX_TTL_SEC = 30 * 86_400;

/**
 * User sessions (Python platform: UserSessionCache). Each session is one encrypted string with a PX TTL,
 * indexed per user in a ZSET scored by last activity; both share the user's hash tag, so they
 * are written in one MULTI. A `owner` pointer (another slot) serves lookups by session id alone.
 */
export class UserSessionCache {
  private readonly redis: RedisClient;
  private readonly keys: SessionKeys;
  private readonly cipher: AesGcmCipher;
  private readonly maxSessions: number;
  private readonly defaultTtlSec: number;
  private readonly now: () => number;
  private readonly onSessionsEnded: UserSessionCacheOptions['onSessionsEnded'];
  private readonly durable: DurableAck;

  constructor(options: UserSessionCacheOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.cipher = options.cipher;
    this.maxSessions = options.maxSessionsPerUser ?? 10;
    this.defaultTtlSec = options.defaultTtlSec ?? 86_400;
    this.now = options.now ?? Date.now;
    this.onSessionsEnded = options.onSessionsEnded;
    this.durable = options.durable ?? DurableAck.off;
    if (!Number.isInteger(this.maxSessions) || this.maxSessions < 1)
      throw new Error('maxSessionsPerUser must be ≥ 1');
    assertTtl(this.defaultTtlSec);
  }

  /** Starts a session and returns its id (256 random bits, base64url). Evicts the oldest beyond the limit. */
  async createSession(userId: string, data: SessionData = {}, ttlSec?: number): Promise<string> {
    assertUserId(userId);
    const ttl = assertTtl(ttlSec ?? this.defaultTtlSec);
    assertData(data);
    const sessionId = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: UserSession = {
      sessionId,
      userId,
      createdAt: now,
      lastActivityAt: now,
      expiresAt: now + ttl * 1000,
      ttlSec: ttl,
      data,
    };
    const key = this.keys.session(userId, sessionId);
    const index = this.keys.sessionIndex(userId);
    const evicted = await refuseWithoutRedis('session create', async () => {
      const durable = this.durable;
      const [, results] = await Promise.all([
        durable.exec(this.redis, 'session create', (p) =>
          p.set(this.keys.sessionOwner(sessionId), userId, 'PX', ttl * 1000),
        ),
        durable.transaction(this.redis, 'session create', (multi) =>
          multi
            .set(key, this.seal(key, session), 'PX', ttl * 1000)
            .zadd(index, now, sessionId)
            .zrange(index, 0, -(this.maxSessions + 1)),
        ),
      ]);
      return execResult<string[]>(results, 2);
    });
    if (evicted.length > 0) await this.removeSessions(userId, evicted);
    return sessionId;
  }

  /** The live session, or null when it does not exist, expired, or belongs to someone else. */
  async getUserSession(userId: string, sessionId: string): Promise<UserSession | null> {
    assertUserId(userId);
    if (!isSessionId(sessionId)) return null;
    const key = this.keys.session(userId, sessionId);
    const sealed = await refuseWithoutRedis('session read', () => this.redis.getBuffer(key));
    return sealed ? this.open(key, sealed, userId, sessionId) : null;
  }

  /** The live session with this id, whoever owns it (Python platform: get_session_by_id). */
  async getSessionById(sessionId: string): Promise<UserSession | null> {
    if (!isSessionId(sessionId)) return null;
    const userId = await refuseWithoutRedis('session owner read', () =>
      this.redis.get(this.keys.sessionOwner(sessionId)),
    );
    return userId ? this.getUserSession(userId, sessionId) : null;
  }

  /** Records activity: slides the TTL and merges `data`. Null when the session is gone. */
  async updateSessionActivity(
    userId: string,
    sessionId: string,
    data?: SessionData,
  ): Promise<UserSession | null> {
    const current = await this.getUserSession(userId, sessionId);
    if (!current) return null;
    const now = this.now();
    const merged = data ? { ...current.data, ...data } : current.data;
    if (data) assertData(merged);
    const next: UserSession = {
      ...current,
      lastActivityAt: now,
      expiresAt: now + current.ttlSec * 1000,
      data: merged,
    };
    const key = this.keys.session(userId, sessionId);
    const ttlMs = current.ttlSec * 1000;
    const written = await refuseWithoutRedis('session touch', async () => {
      const durable = this.durable;
      const [, results] = await Promise.all([
        durable.exec(this.redis, 'session touch', (p) => p.pexpire(this.keys.sessionOwner(sessionId), ttlMs)),
        // XX: a session deleted meanwhile (logout, eviction) must not come back.
        durable.transaction(this.redis, 'session touch', (multi) =>
          multi
            .set(key, this.seal(key, next), 'PX', ttlMs, 'XX')
            .zadd(this.keys.sessionIndex(userId), 'XX', now, sessionId),
        ),
      ]);
      return execResult<string | null>(results, 0) === 'OK';
    });
    return written ? next : null;
  }

  /** Ends one session; true when it existed. */
  async deleteSession(userId: string, sessionId: string): Promise<boolean> {
    assertUserId(userId);
    if (!isSessionId(sessionId)) return false;
    return (await this.removeSessions(userId, [sessionId])) === 1;
  }

  /** Ends every session of the user ("log out everywhere"); returns how many were live. */
  async deleteAllUserSessions(userId: string): Promise<number> {
    assertUserId(userId);
    const ids = await refuseWithoutRedis('session list', () =>
      this.redis.zrange(this.keys.sessionIndex(userId), 0, -1),
    );
    return ids.length === 0 ? 0 : this.removeSessions(userId, ids);
  }

  /** The user's live sessions, oldest first. */
  async listUserSessions(userId: string): Promise<UserSession[]> {
    assertUserId(userId);
    return refuseWithoutRedis('session list', async () => {
      const ids = (await this.redis.zrange(this.keys.sessionIndex(userId), 0, -1)).filter(isSessionId);
      if (ids.length === 0) return [];
      const keys = ids.map((id) => this.keys.session(userId, id));
      const sealed = await this.redis.mgetBuffer(...keys);
      const sessions: UserSession[] = [];
      sealed.forEach((value, i) => {
        const id = ids[i];
        const key = keys[i];
        if (!value || id === undefined || key === undefined) return;
        const session = this.open(key, value, userId, id);
        if (session) sessions.push(session);
      });
      return sessions.sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  /**
   * Removes index entries whose session key is gone (expired by TTL) and returns how many.
   * Walks the indexes with SCAN (never KEYS; every master of a Cluster), so it is safe on a large
   * production Redis.
   */
  async cleanupExpiredSessions(): Promise<number> {
    let removed = 0;
    for await (const batch of scanBatches(this.redis, this.keys.sessionIndexPattern, 200)) {
      for (const indexKey of batch) removed += await this.cleanupIndex(indexKey);
    }
    return removed;
  }

  private async cleanupIndex(indexKey: string): Promise<number> {
    const userId = /\{([^}]*)\}/.exec(indexKey)?.[1];
    if (!userId) return 0;
    try {
      assertUserId(userId);
    } catch {
      return 0; // not a key we wrote: leave it alone
    }
    const ids = await this.redis.zrange(indexKey, 0, -1);
    if (ids.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.exists(this.keys.session(userId, id));
    const exists = (await pipeline.exec()) ?? [];
    const dangling = ids.filter((_, i) => exists[i]?.[1] === 0);
    if (dangling.length === 0) return 0;
    return this.redis.zrem(indexKey, ...dangling);
  }

  private async removeSessions(userId: string, ids: string[]): Promise<number> {
    return refuseWithoutRedis('session delete', async () => {
      // Durable too: a logout that a failover undid would bring a revoked session back.
      const [results] = await Promise.all([
        this.durable.transaction(this.redis, 'session delete', (multi) => {
          for (const id of ids) multi.del(this.keys.session(userId, id));
          multi.zrem(this.keys.sessionIndex(userId), ...ids);
        }),
        // Owner keys carry no user tag (looked up by session id alone): one UNLINK per slot.
        unlinkAcross(
          this.redis,
          ids.map((id) => this.keys.sessionOwner(id)),
        ),
      ]);
      let deleted = 0;
      for (let i = 0; i < ids.length; i++) deleted += execResult<number>(results, i);
      await this.onSessionsEnded?.(userId, ids);
      return deleted;
    });
  }

  private seal(key: string, session: UserSession): Buffer {
    return this.cipher.encrypt(Buffer.from(JSON.stringify(session)), Buffer.from(key));
  }

  private open(key: string, sealed: Buffer, userId: string, sessionId: string): UserSession | null {
    let session: UserSession;
    try {
      session = JSON.parse(this.cipher.decrypt(sealed, Buffer.from(key)).toString('utf8')) as UserSession;
    } catch {
      return null; // tampered, moved or written under a retired key: not a valid session
    }
    if (session.userId !== userId || session.sessionId !== sessionId) return null;
    return session.expiresAt > this.now() ? session : null;
  }
}

function execResult<T>(results: [Error | null, unknown][] | null, index: number): T {
  const entry = results?.[index];
  if (!entry) throw new Error('transaction aborted');
  if (entry[0]) throw entry[0];
  return entry[1] as T;
}

function assertTtl(ttlSec: number): number {
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_TTL_SEC) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, `session ttl must be 1..${MAX_TTL_SEC} seconds`);
  }
  return ttlSec;
}

function assertData(data: SessionData): void {
  const size = Buffer.byteLength(JSON.stringify(data) ?? '');
  if (typeof data !== 'object' || data === null || Array.isArray(data) || size > MAX_DATA_BYTES) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      `session data must be a JSON object ≤ ${MAX_DATA_BYTES} bytes`,
    );
  }
}
