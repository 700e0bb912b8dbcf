import type { RedisClient } from '../redis/client.ts';
import { assertNamespace, type Keys } from '../redis/keys/index.ts';
import { unlinkAcross } from '../redis/multi-key.ts';
import { areaOf, sharedKeysOf } from './key-inventory.ts';
import { type ScanBounds, scanBounded } from './key-scan.ts';

/** What `clearAllCache()` removed. */
export interface ClearReport {
  /** Keys unlinked per cache engine namespace. */
  namespaces: Record<string, number>;
  /** Shared symbol lists (fresh, last-good, refresh time) unlinked. */
  symbolKeys: number;
  totalRemoved: number;
  /** False when a SCAN bound stopped the walk: run it again to remove the rest. */
  complete: boolean;
}

/** UNLINK batch size: big enough to be quick, small enough not to hold Redis for long. */
const UNLINK_BATCH = 500;

/**
 * Removes every *cache* key of ours: the cache engine's values and tag sets (SCAN of its root
 * only, then UNLINK in batches) and the shared symbol lists by name. Durable data (users,
 * sessions, preferences, alerts, notifications) lives outside the engine's root and is never
 * matched; so are BullMQ's keys and foreign keys. Leases are left to expire: removing one would
 * let a second fill start while the first still runs. Each cleared namespace is announced on
 * the engine's bus so every process drops its in-memory copies too.
 */
export async function clearCacheKeys(
  redis: RedisClient,
  keys: Keys,
  bounds: ScanBounds = {},
): Promise<ClearReport> {
  const namespaces: Record<string, number> = {};
  const shared = new Set(sharedKeysOf(keys).symbols);
  let totalRemoved = 0;
  const outcome = await scanBounded(
    redis,
    keys.cache.scanAll,
    async (batch) => {
      const doomed: string[] = [];
      for (const key of batch) {
        // With a prefix the symbol lists sit under the engine root too: removed below, by name.
        if (shared.has(key)) continue;
        const { namespace } = areaOf(keys.root, key);
        if (namespace === undefined) continue; // lease or other engine-internal key
        doomed.push(key);
        namespaces[namespace] = (namespaces[namespace] ?? 0) + 1;
      }
      for (let i = 0; i < doomed.length; i += UNLINK_BATCH) {
        totalRemoved += await unlinkAcross(redis, doomed.slice(i, i + UNLINK_BATCH));
      }
    },
    { deadlineMs: 10_000, ...bounds },
  );
  const symbolKeys = await unlinkAcross(redis, [...shared]);
  totalRemoved += symbolKeys;
  for (const ns of Object.keys(namespaces)) {
    // An engine's bus handler refuses names it could not have written; announce only real ones.
    if (!isNamespace(ns)) continue;
    await redis.publish(keys.cache.channel, JSON.stringify({ o: 'operations', t: 'clear', n: ns }));
  }
  return { namespaces, symbolKeys, totalRemoved, complete: outcome.complete };
}

function isNamespace(name: string): boolean {
  try {
    assertNamespace(name);
    return true;
  } catch {
    return false;
  }
}
