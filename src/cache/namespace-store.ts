import type { AesGcmCipher } from '../crypto/aes-gcm.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { errorMessage, isTradecacheError } from '../errors.ts';
import type { CacheKeys } from '../redis/keys/index.ts';
import { type CacheEntry, decodeEntry, encodeEntry } from './codec/envelope.ts';
import type { EngineCore } from './core.ts';
import type { FixedKeyEntry, FixedKeyStorage } from './fixed-key-layout.ts';
import type { NamespaceStats } from './stats.ts';
import type { L2Write, TimedValue } from './tiers/redis-tier.ts';

/** A value found in a tier, possibly past its freshness. */
export interface Lookup<T> {
  entry: CacheEntry<T> | undefined;
  tier: 'l1' | 'l2';
  fresh: boolean;
  /** Redis could not be asked: the answer (if any) is L1's best effort. */
  l2Down: boolean;
}

export interface WriteSpec {
  ttlMs: number;
  graceMs: number;
  lastGood: boolean;
  tags: readonly string[];
}

/** A value ready to be committed: its Redis writes and what every reader will see. */
export interface PreparedWrite<T> {
  /** The namespace key (what bus messages carry). */
  key: string;
  /** The L1 key, `<prefix>:<ns>:<key>` (also the Redis key in the envelope layout). */
  id: string;
  writes: L2Write[];
  entry: CacheEntry<T>;
  payloadBytes: number;
}

/**
 * Reads and writes of one namespace across both tiers, fail-soft: a Redis error turns into
 * "not found" (or L1's copy) plus a counter, never into an exception.
 *
 * Two Redis layouts: the engine's envelope at `keys.value(key)` (default), or, with `fixedKeys`,
 * plain JSON at the caller's keys. L1, bus messages, fill waiters and leases always use the
 * engine's own names (`keys.value(key)`, `keys.lease(key)`), so both layouts share them.
 */
export class NamespaceStore<T> {
  constructor(
    readonly core: EngineCore,
    readonly name: string,
    readonly keys: CacheKeys,
    readonly stats: NamespaceStats,
    readonly useL1: boolean,
    private readonly cipher: AesGcmCipher | undefined,
    readonly fixedKeys: FixedKeyStorage<T> | undefined = undefined,
  ) {}

  /** The Redis key holding the value of `key` (for logs and error context). */
  redisKeyOf(key: string): string {
    return this.fixedKeys ? this.fixedKeys.valueKey(key) : this.keys.value(key);
  }

  private get envelope() {
    return {
      codec: this.core.codec,
      compressThresholdBytes: this.core.compressThresholdBytes,
      cipher: this.cipher,
    };
  }

  /** L1 entry that may be served as fresh, without touching Redis. */
  freshFromL1(redisKey: string, now: number): CacheEntry<T> | undefined {
    if (!this.useL1 || !this.core.l1Trusted()) return undefined;
    const entry = this.core.l1.get(redisKey);
    return entry && now < entry.expiresAt ? (entry as CacheEntry<T>) : undefined;
  }

  async lookup(key: string): Promise<Lookup<T>> {
    const redisKey = this.keys.value(key);
    const now = this.core.now();
    const l1Hit = this.freshFromL1(redisKey, now);
    if (l1Hit) return { entry: l1Hit, tier: 'l1', fresh: true, l2Down: false };
    if (this.fixedKeys) return this.lookupFixedKey(this.fixedKeys, key, redisKey, now);
    let bytes: Buffer | null;
    try {
      bytes = await this.core.l2.get(redisKey);
    } catch (err) {
      this.l2Failed('get', redisKey, err);
      return this.fallback(redisKey, now);
    }
    const entry = bytes ? this.accept(redisKey, bytes, now) : undefined;
    if (!entry && this.useL1) this.core.l1.delete(redisKey);
    return { entry, tier: 'l2', fresh: entry !== undefined && now < entry.expiresAt, l2Down: false };
  }

  /** Decodes bytes read from Redis and keeps them in L1; undefined when unusable. */
  accept(redisKey: string, bytes: Buffer, now: number): CacheEntry<T> | undefined {
    let decoded: ReturnType<typeof decodeEntry>;
    try {
      decoded = decodeEntry(bytes, redisKey, this.envelope);
    } catch (err) {
      this.unreadable(err);
      return undefined;
    }
    if (now >= decoded.keepUntil) return undefined;
    // Stored even while the bus is down: such entries only serve as fallback until the
    // reconnect drops them (freshFromL1 checks trust).
    if (this.useL1) return this.core.l1.set(redisKey, decoded, decoded.payloadBytes) as CacheEntry<T>;
    return decoded as CacheEntry<T>;
  }

  /** `accept` for the fixed-key layout: the value key as read at `now`, with its PTTL. */
  acceptTimed(key: string, read: TimedValue, now: number): CacheEntry<T> | undefined {
    const fixedKeys = this.fixedKeys;
    if (!fixedKeys) return undefined;
    let decoded: FixedKeyEntry<T> | undefined;
    try {
      decoded = fixedKeys.decodeValue(key, read, now);
    } catch (err) {
      this.unreadable(err);
      return undefined;
    }
    if (!decoded) return undefined;
    const id = this.keys.value(key);
    if (this.useL1) return this.core.l1.set(id, decoded, decoded.payloadBytes) as CacheEntry<T>;
    return decoded;
  }

  /**
   * Takes the fill lease of `key` and reads its current value in the same round trip.
   * Throws when Redis failed.
   */
  async acquireLease(
    key: string,
    token: string,
    leaseMs: number,
  ): Promise<{ acquired: boolean; current: CacheEntry<T> | undefined }> {
    const { l2 } = this.core;
    const leaseKey = this.keys.lease(key);
    if (this.fixedKeys) {
      const now = this.core.now();
      const lease = await l2.acquireLeaseWithTtl(leaseKey, this.fixedKeys.valueKey(key), token, leaseMs);
      return { acquired: lease.acquired, current: this.acceptTimed(key, lease.current, now) };
    }
    const redisKey = this.keys.value(key);
    const lease = await l2.acquireLease(leaseKey, redisKey, token, leaseMs);
    const current = lease.current ? this.accept(redisKey, lease.current, this.core.now()) : undefined;
    return { acquired: lease.acquired, current };
  }

  /** Values of `keys` from Redis, one round trip (undefined where missing). Throws when Redis failed. */
  async readMany(keys: readonly string[], now: number): Promise<(CacheEntry<T> | undefined)[]> {
    if (this.fixedKeys) {
      const fixedKeys = this.fixedKeys;
      const reads = await this.core.l2.getWithTtl(keys.map((key) => fixedKeys.valueKey(key)));
      return keys.map((key, i) => {
        const read = reads[i];
        return read ? this.acceptTimed(key, read, now) : undefined;
      });
    }
    const redisKeys = keys.map((key) => this.keys.value(key));
    const found = await this.core.l2.mget(redisKeys);
    return redisKeys.map((redisKey, i) => {
      const bytes = found[i];
      return bytes ? this.accept(redisKey, bytes, now) : undefined;
    });
  }

  /**
   * The fixed-key layout's last-good copy of `key` (never fresh), or undefined: none kept, none
   * written yet, unreadable, or Redis failed (fail-soft).
   */
  async readLastGood(key: string): Promise<CacheEntry<T> | undefined> {
    const lastGoodKey = this.fixedKeys?.lastGoodKey(key);
    if (!this.fixedKeys || !lastGoodKey) return undefined;
    let bytes: Buffer | null;
    try {
      bytes = await this.core.l2.get(lastGoodKey);
    } catch (err) {
      this.l2Failed('get', lastGoodKey, err);
      return undefined;
    }
    if (!bytes) return undefined;
    try {
      return this.fixedKeys.decodeLastGood(key, bytes, this.core.now());
    } catch (err) {
      this.unreadable(err);
      return undefined;
    }
  }

  /** Builds an entry for `value`, encodes it, and returns the Redis writes plus what readers see. */
  prepare(key: string, value: T, spec: WriteSpec): PreparedWrite<T> {
    if (this.fixedKeys) return this.prepareFixedKey(this.fixedKeys, key, value, spec);
    const now = this.core.now();
    const expiresAt = now + spec.ttlMs;
    const staleUntil = expiresAt + spec.graceMs;
    const keepUntil = spec.lastGood ? Number.POSITIVE_INFINITY : staleUntil;
    const redisKey = this.keys.value(key);
    const encoded = encodeEntry(
      { value, createdAt: now, expiresAt, staleUntil, keepUntil },
      redisKey,
      this.envelope,
    );
    // Callers get what any reader will get: the codec's round trip, frozen once.
    const seen = deepFreeze(this.core.codec.decode(encoded.payload) as T);
    return {
      key,
      id: redisKey,
      writes: [
        {
          key: redisKey,
          bytes: encoded.bytes,
          ttlMs: spec.lastGood ? null : keepUntil - now,
          tagKeys: spec.tags.map((tag) => this.keys.tag(tag)),
        },
      ],
      entry: { value: seen, createdAt: now, expiresAt, staleUntil, keepUntil },
      payloadBytes: encoded.payloadBytes,
    };
  }

  /** The fixed-key layout's `prepare`: JSON at the value key (PX = TTL) and at the last-good key. */
  private prepareFixedKey(
    fixedKeys: FixedKeyStorage<T>,
    key: string,
    value: T,
    spec: WriteSpec,
  ): PreparedWrite<T> {
    const now = this.core.now();
    const expiresAt = now + spec.ttlMs;
    const { writes, bytes } = fixedKeys.encode(key, value, spec.ttlMs, spec.lastGood);
    const seen = deepFreeze(JSON.parse(bytes.toString('utf8')) as T);
    return {
      key,
      id: this.keys.value(key),
      writes,
      entry: {
        value: seen,
        // The age every reader will report (readers only know the value, not the write time).
        createdAt: fixedKeys.producedAt(seen, now) ?? now,
        expiresAt,
        staleUntil: expiresAt,
        // This process knows a last-good copy exists: L1 keeps it as the fallback Redis would give.
        keepUntil: spec.lastGood ? Number.POSITIVE_INFINITY : expiresAt,
      },
      payloadBytes: bytes.length,
    };
  }

  /** Writes entries to Redis (fail-soft), then L1, then tells other engines. `false` when Redis failed. */
  async commit(items: readonly PreparedWrite<T>[], kind: 'del' | 'fill'): Promise<boolean> {
    let stored = true;
    try {
      await this.core.l2.write(items.flatMap((i) => i.writes));
    } catch (err) {
      stored = false;
      this.stats.record('writeFailures');
      this.l2Failed('set', items[0]?.writes[0]?.key ?? '', err);
    }
    if (this.useL1) {
      for (const item of items) this.core.l1.set(item.id, item.entry, item.payloadBytes);
    }
    if (stored) this.core.publish({ t: kind, n: this.name, k: items.map((i) => i.key) });
    return stored;
  }

  /**
   * Removes keys from both tiers and from other engines' L1. Whether something was removed: this
   * process's L1 or Redis held one of the keys. `false` also when Redis failed (Redis may then
   * still hold them, so nothing is known to be gone).
   */
  async remove(keys: readonly string[]): Promise<boolean> {
    const now = this.core.now();
    let removed = false;
    for (const key of keys) if (this.dropFromL1(this.keys.value(key), now)) removed = true;
    const fixedKeys = this.fixedKeys;
    const redisKeys = fixedKeys
      ? keys.flatMap((k) => fixedKeys.redisKeys(k))
      : keys.map((k) => this.keys.value(k));
    let unlinked: number;
    try {
      unlinked = await this.core.l2.unlink(redisKeys);
    } catch (err) {
      this.stats.record('writeFailures');
      this.l2Failed('delete', redisKeys[0] ?? '', err);
      return false;
    }
    // Sent even when neither tier here held a key: another process's L1 may still have a copy
    // (read before Redis expired it, or written while this one was not listening).
    this.core.publish({ t: 'del', n: this.name, k: [...keys] });
    return removed || unlinked > 0;
  }

  /**
   * Drops an L1 entry; whether it held a value Redis could still have served (an entry past its
   * `keepUntil` is one Redis has dropped too, so removing it removes nothing).
   */
  private dropFromL1(redisKey: string, now: number): boolean {
    const entry = this.core.l1.get(redisKey);
    if (!entry) return false;
    this.core.l1.delete(redisKey);
    return now < entry.keepUntil;
  }

  l2Failed(operation: string, redisKey: string, err: unknown): void {
    this.stats.record('l2Errors');
    const reason = errorMessage(err);
    this.core.warnings.warn(
      `${this.name}:${operation}:${reason}`,
      { namespace: this.name, operation, key: redisKey, err: reason },
      'cache L2 failed (fail-soft)',
    );
  }

  private async lookupFixedKey(
    fixedKeys: FixedKeyStorage<T>,
    key: string,
    id: string,
    now: number,
  ): Promise<Lookup<T>> {
    let read: TimedValue | undefined;
    try {
      [read] = await this.core.l2.getWithTtl([fixedKeys.valueKey(key)]);
    } catch (err) {
      this.l2Failed('get', fixedKeys.valueKey(key), err);
      return this.fallback(id, now);
    }
    const entry = read ? this.acceptTimed(key, read, now) : undefined;
    if (!entry && this.useL1) this.core.l1.delete(id);
    return { entry, tier: 'l2', fresh: entry !== undefined && now < entry.expiresAt, l2Down: false };
  }

  private unreadable(err: unknown): void {
    this.stats.record('decodeErrors');
    this.core.logger.warn(
      { namespace: this.name, code: isTradecacheError(err) ? err.code : undefined, err: errorMessage(err) },
      'unreadable cache value treated as missing',
    );
  }

  private fallback(redisKey: string, now: number): Lookup<T> {
    const entry = this.useL1 ? this.core.l1.get(redisKey) : undefined;
    if (!entry || now >= entry.keepUntil) return { entry: undefined, tier: 'l1', fresh: false, l2Down: true };
    return { entry: entry as CacheEntry<T>, tier: 'l1', fresh: now < entry.expiresAt, l2Down: true };
  }
}
