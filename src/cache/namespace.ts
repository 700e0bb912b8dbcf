import { assertCacheKey, createCacheKeys } from '../redis/keys/index.ts';
import type { EngineCore } from './core.ts';
import { FillRunner } from './fill.ts';
import { FixedKeyStorage } from './fixed-key-layout.ts';
import { NamespaceStore } from './namespace-store.ts';
import { NamespaceStats } from './stats.ts';
import type {
  CacheNamespaceStats,
  CacheResult,
  Factory,
  GetOrSetOptions,
  NamespaceOptions,
  RefreshOptions,
  SetOptions,
} from './types.ts';

const DEFAULT_TTL_MS = 60_000;
const resultValue = <T>(result: CacheResult<T>): T => result.value;

/** One entry of `setMany`. */
export interface CacheItem<T> extends SetOptions {
  key: string;
  value: T;
}

/**
 * A named part of the cache (`symbols`, `http`, `users`): its own keys, TTL, encryption and
 * counters. Reads never throw because Redis failed; writes report failure as `false`.
 */
export class CacheNamespace<T = unknown> {
  private readonly store: NamespaceStore<T>;
  private readonly runner: FillRunner<T>;
  private readonly ttlMs: number;
  /** Set for a `fixedKeys` namespace: checks what that layout cannot do. */
  private readonly fixedKeys: FixedKeyStorage<T> | undefined;

  /** @internal built by `CacheEngine.namespace()` */
  constructor(
    core: EngineCore,
    readonly name: string,
    options: NamespaceOptions<T> = {},
  ) {
    const keys = createCacheKeys(core.prefix, name);
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    FixedKeyStorage.check(name, options);
    this.fixedKeys = options.fixedKeys ? new FixedKeyStorage(options.fixedKeys, name, this.ttlMs) : undefined;
    const stats = new NamespaceStats(name, core.metrics);
    this.store = new NamespaceStore<T>(
      core,
      name,
      keys,
      stats,
      options.l1 ?? true,
      options.encryption,
      this.fixedKeys,
    );
    this.runner = new FillRunner(this.store, this.ttlMs);
  }

  /** The fresh value, or undefined (missing, expired, unreadable, or Redis down with nothing in L1). */
  async get(key: string): Promise<T | undefined> {
    assertCacheKey(key);
    const look = await this.store.lookup(key);
    if (look.entry && look.fresh) {
      this.store.stats.record(look.tier === 'l1' ? 'hitsL1' : 'hitsL2');
      return look.entry.value;
    }
    this.store.stats.record('misses');
    return undefined;
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Stores `value`; `false` when Redis failed (the value is then only in this process's L1). */
  async set(key: string, value: T, options: SetOptions = {}): Promise<boolean> {
    return this.setMany([{ ...options, key, value }]);
  }

  /** Stores several values in one pipeline. */
  async setMany(items: readonly CacheItem<T>[]): Promise<boolean> {
    if (items.length === 0) return true;
    if (this.fixedKeys) {
      for (const item of items) {
        const conflict = this.fixedKeys.conflict(item);
        if (conflict) throw conflict;
      }
    }
    const prepared = items.map((item) =>
      this.store.prepare(assertCacheKey(item.key), item.value, {
        ttlMs: item.ttlMs ?? this.ttlMs,
        graceMs: item.graceMs ?? 0,
        lastGood: item.lastGood ?? false,
        tags: item.tags ?? [],
      }),
    );
    return this.store.commit(prepared, 'del');
  }

  /** Fresh values in the order of `keys` (undefined where missing); one MGET for what L1 lacks. */
  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    const now = this.store.core.now();
    const out: (T | undefined)[] = new Array(keys.length).fill(undefined);
    const missing: number[] = [];
    keys.forEach((key, i) => {
      const hit = this.store.freshFromL1(this.store.keys.value(assertCacheKey(key)), now);
      if (hit) {
        out[i] = hit.value;
        this.store.stats.record('hitsL1');
      } else missing.push(i);
    });
    if (missing.length === 0) return out;
    const wanted = missing.map((i) => keys[i] ?? '');
    let found: (T | undefined)[] = [];
    try {
      found = (await this.store.readMany(wanted, now)).map((entry) =>
        entry && now < entry.expiresAt ? entry.value : undefined,
      );
    } catch (err) {
      this.store.l2Failed('mget', this.store.redisKeyOf(wanted[0] ?? ''), err);
    }
    missing.forEach((i, j) => {
      const value = found[j];
      if (value !== undefined) {
        out[i] = value;
        this.store.stats.record('hitsL2');
      } else this.store.stats.record('misses');
    });
    return out;
  }

  /**
   * Removes `key` from both tiers and from every other process's L1. Resolves whether a value was
   * removed (this process's L1 or Redis held one, fresh or stale), like `Map.delete`; `false` for
   * a key that never existed, and also when Redis failed (counted in `writeFailures`).
   */
  delete(key: string): Promise<boolean> {
    return this.store.remove([assertCacheKey(key)]);
  }

  /** `delete` of several keys in one UNLINK: whether any of them was removed. */
  deleteMany(keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return Promise.resolve(false);
    return this.store.remove(keys.map(assertCacheKey));
  }

  /**
   * The cached value, or the factory's, computed once across every process sharing this Redis.
   * Throws the factory's error (or CACHE_FACTORY_TIMEOUT) only when nothing stale may be served.
   */
  getOrSet(key: string, factory: Factory<T>, options: GetOrSetOptions = {}): Promise<T> {
    // Not `async`: an L1 hit costs one resolved promise and no async frame. A hit also skips key
    // validation: L1 only holds keys validated when they were stored, so a hit proves the key valid.
    if (!this.fixedKeys) {
      const hit = this.runner.hitFromL1(key, factory, options);
      if (hit) return Promise.resolve(hit.value);
    }
    return this.getOrSetWithMeta(key, factory, options).then(resultValue);
  }

  /** `getOrSet` that also says where the value came from and how old it is. */
  getOrSetWithMeta(key: string, factory: Factory<T>, options: GetOrSetOptions = {}): Promise<CacheResult<T>> {
    try {
      assertCacheKey(key);
      if (this.fixedKeys) this.assertFixedKeyOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.runner.getOrSet(key, factory, options);
  }

  /**
   * Runs the factory now and stores its value, whatever is cached (a scheduled warmup). Joins a
   * refresh already running for `key` in this process, or one another process finishes after
   * this call started, instead of calling the factory again. Never answers from the cache
   * before that and never serves stale: a failing factory's error is thrown.
   */
  refresh(key: string, factory: Factory<T>, options: RefreshOptions = {}): Promise<CacheResult<T>> {
    try {
      assertCacheKey(key);
      if (this.fixedKeys) this.assertFixedKeyOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.runner.refresh(key, factory, options);
  }

  /** Removes every key of the namespace (SCAN + UNLINK, never KEYS). Returns the number removed. */
  async clear(): Promise<number> {
    if (this.fixedKeys)
      throw this.fixedKeys.unsupported('clear() (its keys are not under the namespace prefix)');
    const { core, keys } = this.store;
    core.l1.deletePrefix(keys.base);
    const removed = await core.l2.unlinkMatching(keys.scanAll);
    core.publish({ t: 'clear', n: this.name });
    return removed;
  }

  /**
   * Removes keys matching `pattern` (`*` is the only wildcard), e.g. `get_by_id:*`.
   * Returns the number removed.
   */
  async deleteMatching(pattern: string): Promise<number> {
    if (this.fixedKeys)
      throw this.fixedKeys.unsupported('deleteMatching() (its keys are not under the namespace prefix)');
    const { core, keys } = this.store;
    return core.l2.unlinkMatching(keys.scanPattern(pattern), (batch) => {
      for (const redisKey of batch) core.l1.delete(redisKey);
      core.publish({ t: 'del', n: this.name, k: batch.map(keys.keyOf) });
    });
  }

  /** Removes every value written with `tag`. Returns the number of values removed. */
  async invalidateTag(tag: string): Promise<number> {
    if (this.fixedKeys) throw this.fixedKeys.unsupported('tags');
    const { core, keys } = this.store;
    const tagKey = keys.tag(tag);
    const members = await core.l2.members(tagKey);
    for (const redisKey of members) core.l1.delete(redisKey);
    await core.l2.unlink([...members, tagKey]);
    if (members.length > 0) core.publish({ t: 'del', n: this.name, k: members.map(keys.keyOf) });
    return members.length;
  }

  private assertFixedKeyOptions(options: GetOrSetOptions): void {
    const conflict = this.fixedKeys?.conflict(options);
    if (conflict) throw conflict;
  }

  stats(): CacheNamespaceStats {
    return this.store.stats.snapshot();
  }

  /** Hits and misses this process counted but has not flushed to the shared counters yet. */
  unflushedCounts(): { hits: number; misses: number } {
    return { hits: this.store.stats.pendingHits, misses: this.store.stats.pendingMisses };
  }

  /** @internal hit/miss deltas for the batched Redis flush */
  get counters(): NamespaceStats {
    return this.store.stats;
  }
}
