import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { CacheEntry } from './codec/envelope.ts';
import { jsonCodec } from './codec/json.ts';
import type { L2Write, TimedValue } from './tiers/redis-tier.ts';
import type { FixedKeyLayout, NamespaceOptions } from './types.ts';

/** A value decoded from a fixed key, with what L1 charges for it. */
export type FixedKeyEntry<T> = CacheEntry<T> & { payloadBytes: number };

/** Per-call options a fixed-key layout cannot express (see `FixedKeyLayout`). */
interface WriteOptions {
  graceMs?: number | undefined;
  tags?: readonly string[] | undefined;
  lastGood?: boolean | undefined;
}

/**
 * Encoding of a `fixedKeys` namespace: plain JSON at the caller's keys, freshness from PTTL.
 * The JSON codec is fixed whatever the engine's codec: the point of the layout is that other
 * programs (the Python platform) read these keys.
 */
export class FixedKeyStorage<T> {
  constructor(
    private readonly layout: FixedKeyLayout<T>,
    private readonly namespace: string,
    private readonly defaultTtlMs: number,
  ) {}

  /** Refuses options that contradict the layout, when the namespace is created. */
  static check<V>(name: string, options: NamespaceOptions<V>): void {
    if (options.fixedKeys && options.encryption) {
      throw new TradecacheError(
        ErrorCodes.CONFIG_INVALID,
        `cache namespace ${name}: fixedKeys stores plain JSON and cannot be encrypted`,
        { context: { namespace: name } },
      );
    }
  }

  valueKey(key: string): string {
    return this.layout.valueKey(key);
  }

  lastGoodKey(key: string): string | undefined {
    return this.layout.lastGoodKey?.(key);
  }

  /** Every Redis key holding `key`: what `delete` removes. */
  redisKeys(key: string): string[] {
    const lastGood = this.lastGoodKey(key);
    return lastGood ? [this.valueKey(key), lastGood] : [this.valueKey(key)];
  }

  /** The error for per-call options this layout cannot honour, or undefined. */
  conflict(options: WriteOptions): TradecacheError | undefined {
    let why: string | undefined;
    if (options.graceMs) why = 'graceMs (the value key expires at its TTL; use lastGood)';
    else if (options.tags && options.tags.length > 0) why = 'tags (its keys are not under the namespace)';
    else if (options.lastGood && !this.layout.lastGoodKey) why = 'lastGood without fixedKeys.lastGoodKey';
    if (!why) return undefined;
    return unsupported(this.namespace, why);
  }

  unsupported(operation: string): TradecacheError {
    return unsupported(this.namespace, operation);
  }

  /** The writes of one value: the value key with PX = TTL, and the last-good copy without TTL. */
  encode(key: string, value: T, ttlMs: number, lastGood: boolean): { writes: L2Write[]; bytes: Buffer } {
    const bytes = Buffer.from(jsonCodec.encode(value));
    const writes: L2Write[] = [{ key: this.valueKey(key), bytes, ttlMs }];
    const lastGoodKey = lastGood ? this.lastGoodKey(key) : undefined;
    if (lastGoodKey) writes.push({ key: lastGoodKey, bytes, ttlMs: null });
    return { writes, bytes };
  }

  /** Epoch ms the value was produced, if the layout knows; never in the future. */
  producedAt(value: T, now: number): number | undefined {
    const at = this.layout.producedAt?.(value);
    return typeof at === 'number' && Number.isFinite(at) ? Math.min(at, now) : undefined;
  }

  /**
   * The value key as read at `now` (taken before the read: L1 then expires no later than Redis).
   * A value without TTL was not written by this layout: it is served only as a fallback while a
   * refresh rewrites it with one. Throws CACHE_DECODE_FAILED for what may not be served.
   */
  decodeValue(key: string, read: TimedValue, now: number): FixedKeyEntry<T> | undefined {
    if (!read.bytes || read.pttlMs === -2) return undefined;
    const value = this.parse(key, read.bytes);
    const noTtl = read.pttlMs < 0;
    const expiresAt = noTtl ? now : now + read.pttlMs;
    const estimated = now - (noTtl ? this.defaultTtlMs : Math.max(0, this.defaultTtlMs - read.pttlMs));
    return {
      value,
      createdAt: this.producedAt(value, now) ?? estimated,
      expiresAt,
      staleUntil: expiresAt,
      keepUntil: noTtl ? Number.POSITIVE_INFINITY : expiresAt,
      payloadBytes: read.bytes.length,
    };
  }

  /** The last-good copy: never fresh, served as `last-good` with its age. */
  decodeLastGood(key: string, bytes: Buffer, now: number): FixedKeyEntry<T> {
    const value = this.parse(key, bytes);
    const createdAt = this.producedAt(value, now) ?? now;
    return {
      value,
      createdAt,
      expiresAt: createdAt,
      staleUntil: createdAt,
      keepUntil: Number.POSITIVE_INFINITY,
      payloadBytes: bytes.length,
    };
  }

  private parse(key: string, bytes: Buffer): T {
    let value: unknown;
    try {
      value = jsonCodec.decode(bytes);
    } catch (err) {
      throw new TradecacheError(ErrorCodes.CACHE_DECODE_FAILED, 'cached value is not JSON', {
        context: { key },
        cause: err,
      });
    }
    if (this.layout.accepts && !this.layout.accepts(value, key)) {
      throw new TradecacheError(
        ErrorCodes.CACHE_DECODE_FAILED,
        'cached value refused by the fixed-key layout',
        {
          context: { key },
        },
      );
    }
    return value as T;
  }
}

function unsupported(namespace: string, what: string): TradecacheError {
  return new TradecacheError(
    ErrorCodes.CONFIG_INVALID,
    `cache namespace ${namespace} has a fixedKeys, which does not support ${what}`,
    { context: { namespace } },
  );
}
