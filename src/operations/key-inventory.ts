import type { RedisClient } from '../redis/client.ts';
import { type Keys, symbolsMetricName } from '../redis/keys/index.ts';
import { existsAcross } from '../redis/multi-key.ts';
import { MARKET_TYPES } from '../trading/index.ts';
import { type ScanBounds, scanBounded } from './key-scan.ts';

/** Our keys counted by area of the key registry, and the cache engine's by namespace. */
export interface KeyInventory {
  /** Every key of ours seen: own keys under the root plus the shared symbol lists and counters. */
  totalKeys: number;
  /** Per registry area (`sessions`, `users`, `cache`, `market`, `alerts`, `metrics`, ...). */
  areas: Record<string, number>;
  /** Values and tag sets per cache engine namespace (leases are not counted: they are locks). */
  cacheNamespaces: Record<string, number>;
  /** The shared symbol lists, their last-good copies and refresh times that exist. */
  symbolKeys: number;
  /** False when a SCAN bound stopped the walk: the figures are then lower bounds. */
  complete: boolean;
}

/** The shared keys (Python platform layout) we read and write, by exact name. */
export function sharedKeysOf(keys: Keys): { symbols: string[]; counters: string[] } {
  const symbols: string[] = [];
  const counters: string[] = [];
  for (const market of MARKET_TYPES) {
    symbols.push(keys.symbols.cache(market), keys.symbols.lastGood(market), keys.symbols.refreshedAt(market));
    const name = symbolsMetricName(market);
    const m = keys.metrics;
    counters.push(
      m.cacheHit(name),
      m.cacheMiss(name),
      m.warmupSuccess(name),
      m.warmupError(name),
      m.warmupLastRun(name),
    );
  }
  return { symbols, counters };
}

/**
 * The area of one key under `<root>:`: its first segment (`sessions`, `users`, `cache`, ...), and
 * for the cache engine the namespace too. Lease keys (`cache:~lease:...`) are the engine's locks.
 */
export function areaOf(root: string, key: string): { area: string; namespace?: string } {
  const rest = key.slice(root.length + 1);
  const colon = rest.indexOf(':');
  const area = colon === -1 ? rest : rest.slice(0, colon);
  if (area !== 'cache') return { area };
  const tail = rest.slice(colon + 1);
  const end = tail.indexOf(':');
  const namespace = end === -1 ? tail : tail.slice(0, end);
  return namespace.startsWith('~') ? { area: 'cache-internal' } : { area, namespace };
}

/**
 * Counts our keys in one bounded SCAN of `keys.ownKeys` plus EXISTS of the shared keys by
 * name, so foreign keys in the same Redis (another app, the Python platform's own keys) are
 * never matched and BullMQ's keys (outside the root: `{<root>:bull}`) are left to queue counts.
 */
export async function takeKeyInventory(
  redis: RedisClient,
  keys: Keys,
  bounds: ScanBounds = {},
): Promise<KeyInventory> {
  const shared = sharedKeysOf(keys);
  // With a prefix the shared keys also sit under the root: count them once, by name.
  const sharedSet = new Set([...shared.symbols, ...shared.counters]);
  const areas: Record<string, number> = {};
  const cacheNamespaces: Record<string, number> = {};
  let own = 0;
  const outcome = await scanBounded(
    redis,
    keys.ownKeys,
    (batch) => {
      for (const key of batch) {
        if (sharedSet.has(key)) continue;
        own += 1;
        const { area, namespace } = areaOf(keys.root, key);
        areas[area] = (areas[area] ?? 0) + 1;
        if (namespace !== undefined) cacheNamespaces[namespace] = (cacheNamespaces[namespace] ?? 0) + 1;
      }
    },
    bounds,
  );
  const [symbolKeys, counterKeys] = await Promise.all([
    existsAcross(redis, shared.symbols),
    existsAcross(redis, shared.counters),
  ]);
  if (counterKeys > 0) areas.metrics = (areas.metrics ?? 0) + counterKeys;
  if (symbolKeys > 0) areas.symbols = symbolKeys;
  return {
    totalKeys: own + symbolKeys + counterKeys,
    areas,
    cacheNamespaces,
    symbolKeys,
    complete: outcome.complete,
  };
}
