import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { errorMessage } from '../errors.ts';
import { FailSoftWarnings } from '../fail-soft-warnings.ts';
import { CircuitBreaker } from '../redis/circuit-breaker.ts';
import { createCacheEngineKeys } from '../redis/keys/index.ts';
import { type BusMessage, InvalidationBus } from './bus.ts';
import { jsonCodec } from './codec/json.ts';
import type { EngineCore } from './core.ts';
import { MetricsFlusher } from './metrics-flush.ts';
import { CacheNamespace } from './namespace.ts';
import { MemoryTier } from './tiers/memory-tier.ts';
import { RedisTier } from './tiers/redis-tier.ts';
import type { CacheEngineOptions, CacheNamespaceStats, NamespaceOptions } from './types.ts';

const CLOSE_GRACE_MS = 1_000;

/** The two-tier cache: build once per process with `createCacheEngine`, close on shutdown. */
export interface CacheEngine {
  /** The namespace `name` (created on first use; later calls return the same one). */
  namespace<T = unknown>(name: string, options?: NamespaceOptions<T>): CacheNamespace<T>;
  /** Resolves once the invalidation bus is subscribed (until then L1 serves nothing fresh). */
  ready(): Promise<void>;
  /** In-process counters of every namespace. */
  stats(): Record<string, CacheNamespaceStats>;
  /** Whether L2 is being skipped after repeated Redis failures. */
  readonly breakerState: 'closed' | 'open' | 'half-open';
  /** Aborts running factories, flushes counters, closes the bus connection (not `redis`). */
  close(): Promise<void>;
}

/**
 * Builds the engine. Nothing blocks here: the bus connects in the background (await `ready()`
 * when L1 must be usable from the first call).
 */
export function createCacheEngine(options: CacheEngineOptions): CacheEngine {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const warnings = options.warnings ?? new FailSoftWarnings(logger);
  const ownsWarnings = options.warnings === undefined;
  const id = randomBytes(8).toString('hex');
  const keys = createCacheEngineKeys(options.prefix);
  const channel = keys.channel;
  const closing = new AbortController();
  // Every running factory listens for close: many at once is normal, not a leak.
  setMaxListeners(0, closing.signal);
  const tracked = new Set<Promise<unknown>>();
  const waiters = new Map<string, Set<() => void>>();
  const namespaces = new Map<string, CacheNamespace<unknown>>();

  const breaker = new CircuitBreaker(options.breakerThreshold ?? 5, options.breakerCooldownMs ?? 2_000, now);
  const l2 = new RedisTier(options.redis, breaker, options.l2TimeoutMs ?? 1_000);
  const l1 = new MemoryTier(options.l1MaxBytes ?? 64 * 1024 * 1024);

  const wake = (redisKey: string) => {
    const set = waiters.get(redisKey);
    if (!set) return;
    waiters.delete(redisKey);
    for (const resolve of set) resolve();
  };
  const onMessage = (message: BusMessage) => {
    const base = keys.namespaceBase(message.n);
    if (message.t === 'clear') {
      if (message.o !== id) l1.deletePrefix(base);
      return;
    }
    for (const key of message.k ?? []) {
      if (message.o !== id) l1.delete(base + key);
      if (message.t === 'fill') wake(base + key);
    }
  };
  const bus = new InvalidationBus(
    options.subscriber,
    channel,
    { onMessage, onDisconnect: () => {}, onReconnect: () => l1.clear() },
    logger,
  );

  const core: EngineCore = {
    id,
    prefix: options.prefix,
    logger,
    warnings,
    metrics: options.metrics,
    now,
    codec: options.codec ?? jsonCodec,
    compressThresholdBytes: options.compressThresholdBytes ?? 4096,
    l1,
    l2,
    closing: closing.signal,
    l1Trusted: () => bus.isSubscribed,
    publish(message) {
      l2.publish(channel, InvalidationBus.encode({ ...message, o: id })).catch((err: unknown) =>
        warnings.warn(errorMessage(err), { err: errorMessage(err) }, 'cache bus publish failed'),
      );
    },
    waitForFill(redisKey, ms) {
      return new Promise<void>((resolve) => {
        let set = waiters.get(redisKey);
        if (!set) {
          set = new Set();
          waiters.set(redisKey, set);
        }
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        set.add(done);
      });
    },
    track(work) {
      tracked.add(work);
      work.then(
        () => tracked.delete(work),
        () => tracked.delete(work),
      );
    },
  };

  const flusher = new MetricsFlusher(
    l2,
    options.counterKey ?? keys.counter,
    () => [...namespaces.values()].map((ns) => ns.counters),
    options.metricsFlushMs ?? 1_000,
    logger,
  );
  const started = bus.start().catch((err: unknown) => {
    logger.warn({ err: errorMessage(err) }, 'cache bus could not subscribe; L1 stays bypassed until it does');
  });
  let closed: Promise<void> | null = null;

  return {
    namespace<T = unknown>(name: string, nsOptions?: NamespaceOptions<T>): CacheNamespace<T> {
      keys.namespaceBase(name);
      let ns = namespaces.get(name);
      if (!ns) {
        ns = new CacheNamespace<unknown>(core, name, nsOptions);
        namespaces.set(name, ns);
      }
      return ns as CacheNamespace<T>;
    },
    ready: () => started,
    stats: () => Object.fromEntries([...namespaces].map(([name, ns]) => [name, ns.stats()])),
    get breakerState() {
      return breaker.current;
    },
    close() {
      closed ??= (async () => {
        closing.abort(new Error('cache engine closed'));
        for (const key of [...waiters.keys()]) wake(key);
        // Aborted factories get a moment to finish storing; one that ignores its signal is left behind.
        await Promise.race([Promise.allSettled([...tracked]), delay(CLOSE_GRACE_MS)]);
        await flusher.close();
        await bus.close();
        if (ownsWarnings) warnings.close();
        l1.clear();
      })();
      return closed;
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
