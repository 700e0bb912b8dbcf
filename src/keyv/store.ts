import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { CacheEngine } from '../cache/engine.ts';
import type { CacheNamespace } from '../cache/namespace.ts';
import type { AesGcmCipher } from '../crypto/aes-gcm.ts';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import { keyvCacheKey, keyvCacheNamespace } from '../redis/keys/index.ts';

/** Options of `TradecacheKeyvStore`. */
export interface TradecacheKeyvStoreOptions {
  /** The engine whose two tiers hold the data. Shared, not owned: its owner closes it. */
  engine: CacheEngine;
  /**
   * Cache namespace the Keyv namespaces live under: Keyv namespace `users` is the cache
   * namespace `<cacheNamespace>.users` (its keys, counters and clear are its own).
   * @default 'keyv'
   */
  cacheNamespace?: string;
  /**
   * Lifetime of values Keyv sets without a TTL: cache data here always expires (Redis also
   * holds queues and user data, so nothing of a cache may fill it for ever).
   * @default 3_600_000 (1 hour)
   */
  defaultTtlMs?: number;
  /** Keep values in the process-local tier too. @default true */
  l1?: boolean;
  /** Encrypt values in Redis (see NamespaceOptions.encryption). */
  encryption?: AesGcmCipher;
}

const DEFAULT_TTL_MS = 3_600_000;

/**
 * A Keyv storage adapter on tradecache's two-tier cache: `new Keyv({ store: new
 * TradecacheKeyvStore({ engine }) })`, or under cache-manager through that Keyv. Reads are served
 * from this process's memory when fresh, else from Redis; writes and deletes reach every process
 * (L1 copies are dropped through the engine's bus). Keyv keeps its own expiry inside the stored
 * value; the TTL it passes becomes the entry's TTL in both tiers.
 *
 * One adapter per Keyv instance: Keyv tells its store which namespace it uses by setting
 * `namespace`, so two Keyv instances with different namespaces need two adapters (cheap: they
 * share the engine). A Redis failure does not throw: reads miss, `set` and `delete` resolve false.
 */
export class TradecacheKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  /** What Keyv and its test suite read and write (`opts.deserialize`); nothing here depends on it. */
  opts: { dialect: 'tradecache'; cacheNamespace: string; defaultTtlMs: number; [option: string]: unknown };
  private readonly engine: CacheEngine;
  private readonly l1: boolean;
  private readonly encryption: AesGcmCipher | undefined;
  private keyvNamespace: string | undefined;

  constructor(options: TradecacheKeyvStoreOptions) {
    super();
    const cacheNamespace = options.cacheNamespace ?? 'keyv';
    keyvCacheNamespace(cacheNamespace, undefined);
    const defaultTtlMs = options.defaultTtlMs ?? DEFAULT_TTL_MS;
    if (!Number.isFinite(defaultTtlMs) || defaultTtlMs <= 0) {
      throw new RangeError('TradecacheKeyvStore: defaultTtlMs must be a positive number of milliseconds');
    }
    this.opts = { dialect: 'tradecache', cacheNamespace, defaultTtlMs };
    this.engine = options.engine;
    this.l1 = options.l1 ?? true;
    this.encryption = options.encryption;
  }

  /** Keyv's namespace; set by Keyv. A name that cannot be a cache namespace is refused here. */
  get namespace(): string | undefined {
    return this.keyvNamespace;
  }

  set namespace(value: string | undefined) {
    keyvCacheNamespace(this.opts.cacheNamespace, value);
    this.keyvNamespace = value;
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return (await this.cache().get(this.cacheKey(key))) as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<StoredData<Value | undefined>[]> {
    return (await this.cache().getMany(keys.map((key) => this.cacheKey(key)))) as StoredData<Value>[];
  }

  async has(key: string): Promise<boolean> {
    return this.cache().has(this.cacheKey(key));
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return (await this.getMany(keys)).map((value) => value !== undefined);
  }

  /** `ttl` in ms; none (or not a positive number) means `defaultTtlMs`. False when Redis failed. */
  set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    return this.cache().set(this.cacheKey(key), value, { ttlMs: ttlOf(ttl, this.opts.defaultTtlMs) });
  }

  /**
   * Every entry in one pipeline. Keyv's store type says `void`; a Redis failure is thrown
   * (REDIS_UNAVAILABLE), which Keyv turns into `false` for each entry.
   */
  async setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<void> {
    const stored = await this.cache().setMany(
      entries.map((entry) => ({
        key: this.cacheKey(entry.key),
        value: entry.value,
        ttlMs: ttlOf(entry.ttl, this.opts.defaultTtlMs),
      })),
    );
    if (!stored) {
      throw new TradecacheError(ErrorCodes.REDIS_UNAVAILABLE, 'Keyv setMany: Redis did not store the values');
    }
  }

  /** Whether a value was removed (false for a key that never existed, or when Redis failed). */
  delete(key: string): Promise<boolean> {
    return this.cache().delete(this.cacheKey(key));
  }

  /** Whether any of the values was removed. */
  deleteMany(keys: string[]): Promise<boolean> {
    return this.cache().deleteMany(keys.map((key) => this.cacheKey(key)));
  }

  /** Removes every value of the current Keyv namespace (and of no other). */
  async clear(): Promise<void> {
    await this.cache().clear();
  }

  private cache(): CacheNamespace<unknown> {
    const name = keyvCacheNamespace(this.opts.cacheNamespace, this.keyvNamespace);
    return this.engine.namespace<unknown>(name, {
      ttlMs: this.opts.defaultTtlMs,
      l1: this.l1,
      encryption: this.encryption,
    });
  }

  /** Keyv prefixes keys with `<namespace>:`; the namespace is already the cache namespace. */
  private cacheKey(key: string): string {
    const prefix = this.keyvNamespace ? `${this.keyvNamespace}:` : '';
    return keyvCacheKey(prefix && key.startsWith(prefix) ? key.slice(prefix.length) : key);
  }
}

function ttlOf(ttl: number | undefined, fallback: number): number {
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? ttl : fallback;
}
