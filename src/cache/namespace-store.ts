import { errorMessage, isTradecacheError } from '../errors.ts';
import { type CacheEntry, decodeEntry, encodeEntry } from './codec/envelope.ts';
import type { EngineCore } from './core.ts';
import type { AesGcmCipher } from './crypto/aes-gcm.ts';
import type { CacheKeys } from './keys.ts';
import type { NamespaceStats } from './stats.ts';
import { deepFreeze } from './tiers/memory-tier.ts';
import type { L2Write } from './tiers/redis-tier.ts';

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

/**
 * Reads and writes of one namespace across both tiers, fail-soft: a Redis error turns into
 * "not found" (or L1's copy) plus a counter, never into an exception.
 */
export class NamespaceStore<T> {
  constructor(
    readonly core: EngineCore,
    readonly name: string,
    readonly keys: CacheKeys,
    readonly stats: NamespaceStats,
    readonly useL1: boolean,
    private readonly cipher: AesGcmCipher | undefined,
  ) {}

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
      this.stats.record('decodeErrors');
      this.core.logger.warn(
        { namespace: this.name, code: isTradecacheError(err) ? err.code : undefined, err: errorMessage(err) },
        'unreadable cache value treated as missing',
      );
      return undefined;
    }
    if (now >= decoded.keepUntil) return undefined;
    // Stored even while the bus is down: such entries only serve as fallback until the
    // reconnect drops them (freshFromL1 checks trust).
    if (this.useL1) return this.core.l1.set(redisKey, decoded, decoded.payloadBytes) as CacheEntry<T>;
    return decoded as CacheEntry<T>;
  }

  /** Builds an entry for `value`, encodes it, and returns the Redis write plus what readers see. */
  prepare(
    key: string,
    value: T,
    spec: WriteSpec,
  ): { write: L2Write; entry: CacheEntry<T>; payloadBytes: number } {
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
      write: {
        key: redisKey,
        bytes: encoded.bytes,
        ttlMs: spec.lastGood ? null : keepUntil - now,
        tagKeys: spec.tags.map((tag) => this.keys.tag(tag)),
      },
      entry: { value: seen, createdAt: now, expiresAt, staleUntil, keepUntil },
      payloadBytes: encoded.payloadBytes,
    };
  }

  /** Writes entries to Redis (fail-soft), then L1, then tells other engines. `false` when Redis failed. */
  async commit(
    items: { write: L2Write; entry: CacheEntry<T>; payloadBytes: number }[],
    kind: 'del' | 'fill',
  ): Promise<boolean> {
    let stored = true;
    try {
      await this.core.l2.write(items.map((i) => i.write));
    } catch (err) {
      stored = false;
      this.stats.record('writeFailures');
      this.l2Failed('set', items[0]?.write.key ?? '', err);
    }
    if (this.useL1) {
      for (const item of items) this.core.l1.set(item.write.key, item.entry, item.payloadBytes);
    }
    if (stored)
      this.core.publish({ t: kind, n: this.name, k: items.map((i) => this.keys.keyOf(i.write.key)) });
    return stored;
  }

  /** Removes keys from both tiers and from other engines' L1. `false` when Redis failed. */
  async remove(keys: readonly string[]): Promise<boolean> {
    const redisKeys = keys.map((k) => this.keys.value(k));
    for (const redisKey of redisKeys) this.core.l1.delete(redisKey);
    try {
      await this.core.l2.unlink(redisKeys);
    } catch (err) {
      this.stats.record('writeFailures');
      this.l2Failed('delete', redisKeys[0] ?? '', err);
      return false;
    }
    this.core.publish({ t: 'del', n: this.name, k: [...keys] });
    return true;
  }

  l2Failed(operation: string, redisKey: string, err: unknown): void {
    this.stats.record('l2Errors');
    this.core.logger.warn(
      { namespace: this.name, operation, key: redisKey, err: errorMessage(err) },
      'cache L2 failed (fail-soft)',
    );
  }

  private fallback(redisKey: string, now: number): Lookup<T> {
    const entry = this.useL1 ? this.core.l1.get(redisKey) : undefined;
    if (!entry || now >= entry.keepUntil) return { entry: undefined, tier: 'l1', fresh: false, l2Down: true };
    return { entry: entry as CacheEntry<T>, tier: 'l1', fresh: now < entry.expiresAt, l2Down: true };
  }
}
