import { Counter, type Registry } from 'prom-client';
import type { Metrics } from '../metrics.ts';
import type { CacheNamespaceStats } from './types.ts';

export type CacheEvent = keyof CacheNamespaceStats;

const RESULT_LABEL: Partial<Record<CacheEvent, string>> = {
  hitsL1: 'l1',
  hitsL2: 'l2',
  misses: 'miss',
  stale: 'stale',
  lastGood: 'last_good',
};
const ERROR_LABEL: Partial<Record<CacheEvent, string>> = {
  l2Errors: 'l2',
  writeFailures: 'write',
  decodeErrors: 'decode',
  factoryErrors: 'factory',
};

interface Inc {
  inc(): void;
}

/**
 * Counters of one namespace: in-process numbers for `stats()`, prom-client children bound once
 * (so a hit costs an increment, not a label lookup), and hit/miss deltas waiting for the batched
 * flush to the Python platform's Redis counters.
 */
export class NamespaceStats {
  readonly counts: CacheNamespaceStats = {
    hitsL1: 0,
    hitsL2: 0,
    misses: 0,
    stale: 0,
    lastGood: 0,
    factoryCalls: 0,
    factoryErrors: 0,
    l2Errors: 0,
    writeFailures: 0,
    decodeErrors: 0,
  };
  pendingHits = 0;
  pendingMisses = 0;
  private readonly prom: Partial<Record<CacheEvent, Inc>> = {};
  private readonly promHitL1: Inc | undefined;

  constructor(
    readonly namespace: string,
    metrics?: Metrics,
  ) {
    if (!metrics) return;
    const { requests, factoryCalls, errors } = cacheCounters(metrics.registry);
    for (const [event, result] of Object.entries(RESULT_LABEL)) {
      this.prom[event as CacheEvent] = requests.labels(namespace, result);
    }
    for (const [event, kind] of Object.entries(ERROR_LABEL)) {
      this.prom[event as CacheEvent] = errors.labels(namespace, kind);
    }
    this.prom.factoryCalls = factoryCalls.labels(namespace);
    this.promHitL1 = this.prom.hitsL1;
  }

  record(event: CacheEvent): void {
    this.counts[event] += 1;
    this.prom[event]?.inc();
    // The Python platform's counters: a hit is an answer from the cache; anything else went past it.
    if (event === 'hitsL1' || event === 'hitsL2') this.pendingHits += 1;
    else if (event === 'misses' || event === 'stale' || event === 'lastGood') this.pendingMisses += 1;
  }

  /** `record('hitsL1')` without the lookups: the two-tier hit path calls this on every hit. */
  hitL1(): void {
    this.counts.hitsL1 += 1;
    this.promHitL1?.inc();
    this.pendingHits += 1;
  }

  snapshot(): CacheNamespaceStats {
    return { ...this.counts };
  }
}

function cacheCounters(registry: Registry) {
  const get = (name: string, help: string, labelNames: string[]) =>
    (registry.getSingleMetric(name) as Counter<string> | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] });
  return {
    requests: get(
      'tradecache_cache_requests_total',
      'Cache reads by namespace and result (l1, l2, miss, stale, last_good)',
      ['namespace', 'result'],
    ),
    factoryCalls: get('tradecache_cache_factory_calls_total', 'Cache factory (refresh) runs by namespace', [
      'namespace',
    ]),
    errors: get(
      'tradecache_cache_errors_total',
      'Cache errors by namespace and kind (l2, write, decode, factory); reads still answered when possible',
      ['namespace', 'kind'],
    ),
  };
}
