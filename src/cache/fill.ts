import { randomBytes } from 'node:crypto';
import { errorMessage } from '../errors.ts';
import type { CacheEntry } from './codec/envelope.ts';
import { STAT, staleResult, timeoutError, writeSpecFor } from './fill-policy.ts';
import type { NamespaceStore } from './namespace-store.ts';
import type { CacheResult, Factory, GetOrSetOptions, RefreshOptions } from './types.ts';

interface RunningFill<T> {
  key: string;
  redisKey: string;
  promise: Promise<CacheEntry<T>>;
  controller: AbortController;
}

/** How often a waiter re-checks Redis when no `fill` message arrived (lost message, dead holder). */
const POLL_MS = 200;
const DEFAULT_LEASE_MS = 10_000;

/**
 * getOrSet of one namespace: single flight in-process (one resolution per key) and across
 * processes (a Redis lease; waiters are woken by the holder's `fill` message), plus the
 * timeout/grace/last-good policy.
 */
export class FillRunner<T> {
  private readonly resolving = new Map<string, Promise<CacheResult<T>>>();
  private readonly fills = new Map<string, RunningFill<T>>();

  constructor(
    private readonly store: NamespaceStore<T>,
    private readonly defaultTtlMs: number,
  ) {}

  /**
   * The L1 answer, when L1 holds a fresh value: synchronous, so a hit costs neither an async frame
   * nor a result object (the two-tier hit path is the engine's hottest code).
   */
  hitFromL1(key: string, factory: Factory<T>, options: GetOrSetOptions): CacheEntry<T> | undefined {
    const now = this.store.core.now();
    const hit = this.store.freshFromL1(this.store.keys.value(key), now);
    if (!hit) return undefined;
    if (options.earlyRefresh) this.refreshEarly(key, hit, factory, options, now);
    this.store.stats.hitL1();
    return hit;
  }

  /** getOrSet past L1: one resolution per key at a time in this process. */
  async resolveShared(key: string, factory: Factory<T>, options: GetOrSetOptions): Promise<CacheResult<T>> {
    let pending = this.resolving.get(key);
    if (!pending) {
      pending = this.resolve(key, factory, options).finally(() => this.resolving.delete(key));
      this.resolving.set(key, pending);
    }
    const result = await pending;
    this.store.stats.record(STAT[result.source]);
    return result;
  }

  async getOrSet(key: string, factory: Factory<T>, options: GetOrSetOptions): Promise<CacheResult<T>> {
    const hit = this.hitFromL1(key, factory, options);
    if (hit) return { value: hit.value, source: 'l1', ageMs: this.store.core.now() - hit.createdAt };
    return this.resolveShared(key, factory, options);
  }

  private async resolve(key: string, factory: Factory<T>, options: GetOrSetOptions): Promise<CacheResult<T>> {
    const { core } = this.store;
    const started = core.now();
    const look = await this.store.lookup(key);
    if (look.entry && look.fresh) {
      this.refreshEarly(key, look.entry, factory, options, core.now());
      return { value: look.entry.value, source: look.tier, ageMs: core.now() - look.entry.createdAt };
    }
    const stale = look.entry;
    const running = this.fills.get(key);
    if (running) return this.settle(running, stale, options, started, false);
    if (look.l2Down)
      return this.settle(this.startFill(key, factory, options, stale, null), stale, options, started, true);
    return this.fillOnce(key, factory, options, stale, started, Number.NEGATIVE_INFINITY);
  }

  /**
   * Runs the factory now (see `CacheNamespace.refresh`): joins a fill running in this process,
   * or a value another process stored after `started`; no stale fallback.
   */
  async refresh(key: string, factory: Factory<T>, options: RefreshOptions): Promise<CacheResult<T>> {
    const started = this.store.core.now();
    const running = this.fills.get(key);
    if (running) return this.settle(running, undefined, options, started, false, false);
    return this.fillOnce(key, factory, options, undefined, started, started, options.signal);
  }

  /**
   * One factory run across every process: take the lease and fill, or wait for the holder's
   * value. A value counts only if it is fresh and was produced after `notBefore` (strictly: a
   * value written in the same millisecond the refresh started may predate it; at worst one extra
   * factory call).
   */
  private async fillOnce(
    key: string,
    factory: Factory<T>,
    options: GetOrSetOptions,
    initialStale: CacheEntry<T> | undefined,
    started: number,
    notBefore: number,
    signal?: AbortSignal,
  ): Promise<CacheResult<T>> {
    const { core, keys } = this.store;
    // A forced refresh never serves an old value: it has no stale fallback at all.
    const serveStale = notBefore === Number.NEGATIVE_INFINITY;
    let stale = initialStale;
    const redisKey = keys.value(key);
    const leaseKey = keys.lease(key);
    const leaseMs =
      options.leaseMs ?? (options.hardTimeoutMs ? options.hardTimeoutMs + 250 : DEFAULT_LEASE_MS);
    for (;;) {
      signal?.throwIfAborted();
      const token = randomBytes(16).toString('hex');
      let lease: { acquired: boolean; current: CacheEntry<T> | undefined };
      try {
        lease = await this.store.acquireLease(key, token, leaseMs);
      } catch (err) {
        this.store.l2Failed('lease', leaseKey, err);
        const fill = this.startFill(key, factory, options, stale, null, signal);
        return this.settle(fill, stale, options, started, true, serveStale);
      }
      if (signal?.aborted) {
        if (lease.acquired) this.release(leaseKey, token);
        signal.throwIfAborted();
      }
      const now = core.now();
      const current = lease.current;
      if (current && now < current.expiresAt && current.createdAt > notBefore) {
        if (lease.acquired) this.release(leaseKey, token);
        return { value: current.value, source: 'l2', ageMs: now - current.createdAt };
      }
      if (serveStale) stale = current ?? stale;
      if (lease.acquired) {
        const fill = this.startFill(key, factory, options, current ?? stale, token, signal);
        return this.settle(fill, stale, options, started, true, serveStale);
      }
      const other = this.fills.get(key);
      if (other) return this.settle(other, stale, options, started, false, serveStale);
      const gaveUp = await this.waitForOtherProcess(key, redisKey, stale, options, started, serveStale);
      if (gaveUp) return gaveUp;
    }
  }

  /** Waits for another process's fill; a result when this caller must stop waiting. */
  private async waitForOtherProcess(
    key: string,
    redisKey: string,
    stale: CacheEntry<T> | undefined,
    options: GetOrSetOptions,
    started: number,
    rescue: boolean,
  ): Promise<CacheResult<T> | undefined> {
    const elapsed = this.store.core.now() - started;
    const soft = stale && options.softTimeoutMs !== undefined ? options.softTimeoutMs - elapsed : Infinity;
    const hard = options.hardTimeoutMs !== undefined ? options.hardTimeoutMs - elapsed : Infinity;
    if (soft <= 0 && stale) return staleResult(stale, this.store.core.now());
    if (hard <= 0) {
      const err = timeoutError(redisKey, options.hardTimeoutMs ?? 0);
      if (!rescue) throw err;
      return this.rescue(key, stale, options, err);
    }
    await this.store.core.waitForFill(redisKey, Math.max(1, Math.min(POLL_MS, soft, hard)));
    return undefined;
  }

  /** Runs the factory and stores its value; releases the lease whatever happens. */
  private startFill(
    key: string,
    factory: Factory<T>,
    options: GetOrSetOptions,
    stale: CacheEntry<T> | undefined,
    token: string | null,
    callerSignal?: AbortSignal,
  ): RunningFill<T> {
    const { core, stats } = this.store;
    const controller = new AbortController();
    const onClose = () => controller.abort(core.closing.reason);
    core.closing.addEventListener('abort', onClose, { once: true });
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) onCallerAbort();
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    stats.record('factoryCalls');
    let skipped = false;
    const promise = (async () => {
      try {
        const value = await factory({
          signal: controller.signal,
          stale: stale?.value,
          skip: () => {
            skipped = true;
          },
        });
        const prepared = this.store.prepare(key, value, writeSpecFor(options, this.defaultTtlMs));
        if (!skipped && !core.closing.aborted) await this.store.commit([prepared], 'fill');
        return prepared.entry;
      } catch (err) {
        stats.record('factoryErrors');
        throw err;
      } finally {
        core.closing.removeEventListener('abort', onClose);
        callerSignal?.removeEventListener('abort', onCallerAbort);
        this.fills.delete(key);
        if (token) this.release(this.store.keys.lease(key), token);
      }
    })();
    // Callers get the error through settle(); a fill nobody waits for any more must not crash.
    promise.catch(() => {});
    const fill = { key, redisKey: this.store.keys.value(key), promise, controller };
    this.fills.set(key, fill);
    core.track(promise);
    return fill;
  }

  /**
   * Applies the caller's soft/hard timeouts and the stale fallback to a running fill
   * (`rescue` false: no fallback at all, the fill's error or the timeout is the answer).
   */
  private settle(
    fill: RunningFill<T>,
    stale: CacheEntry<T> | undefined,
    options: GetOrSetOptions,
    started: number,
    owner: boolean,
    rescue = true,
  ): Promise<CacheResult<T>> {
    const elapsed = this.store.core.now() - started;
    return new Promise((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      let done = false;
      const finish = (settleWith: () => void) => {
        if (done) return;
        done = true;
        for (const timer of timers) clearTimeout(timer);
        settleWith();
      };
      const fail = (err: unknown) => {
        if (!rescue) return reject(err);
        this.rescue(fill.key, stale, options, err).then(resolve, reject);
      };
      if (rescue && stale && options.softTimeoutMs !== undefined) {
        const ms = Math.max(0, options.softTimeoutMs - elapsed);
        timers.push(setTimeout(() => finish(() => resolve(staleResult(stale, this.store.core.now()))), ms));
      }
      if (options.hardTimeoutMs !== undefined) {
        const ms = Math.max(0, options.hardTimeoutMs - elapsed);
        timers.push(
          setTimeout(
            () =>
              finish(() => {
                const err = timeoutError(fill.redisKey, options.hardTimeoutMs ?? 0);
                if (owner) fill.controller.abort(err);
                fail(err);
              }),
            ms,
          ),
        );
      }
      fill.promise.then(
        (entry) => finish(() => resolve({ value: entry.value, source: 'factory', ageMs: 0 })),
        (err: unknown) => finish(() => fail(err)),
      );
    });
  }

  /**
   * What to answer instead of `err`: the stale value at hand, else (fixed-key layout with `lastGood`)
   * the last-good copy read from Redis now; `err` when there is neither.
   */
  private async rescue(
    key: string,
    stale: CacheEntry<T> | undefined,
    options: GetOrSetOptions,
    err: unknown,
  ): Promise<CacheResult<T>> {
    const previous = stale ?? (options.lastGood ? await this.store.readLastGood(key) : undefined);
    if (!previous) throw err;
    const reason = errorMessage(err);
    this.store.core.warnings.warn(
      `${this.store.name}:${reason}`,
      { namespace: this.store.name, err: reason },
      'cache refresh failed; serving the previous value',
    );
    return staleResult(previous, this.store.core.now());
  }

  /** Refresh-ahead: a hit in the last `earlyRefresh` fraction of the TTL starts a background fill. */
  private refreshEarly(
    key: string,
    entry: CacheEntry<T>,
    factory: Factory<T>,
    options: GetOrSetOptions,
    now: number,
  ): void {
    const fraction = options.earlyRefresh ?? 0;
    if (fraction <= 0 || this.fills.has(key)) return;
    if (entry.expiresAt - now >= (entry.expiresAt - entry.createdAt) * fraction) return;
    const { core, keys } = this.store;
    const token = randomBytes(16).toString('hex');
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const work = this.store.acquireLease(key, token, leaseMs).then(
      (lease) => {
        if (!lease.acquired || this.fills.has(key)) {
          if (lease.acquired) this.release(keys.lease(key), token);
          return;
        }
        this.startFill(key, factory, options, entry, token);
      },
      () => {},
    );
    core.track(work);
  }

  private release(leaseKey: string, token: string): void {
    this.store.core.l2.releaseLease(leaseKey, token).catch(() => {
      // The lease expires by itself; nothing else to do.
    });
  }
}
