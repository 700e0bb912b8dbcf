import { groupBySlot, type RedisClient } from './client.ts';
import { whileMigrating } from './migrating-retry.ts';

/**
 * Multi-key commands over keys that may span hash slots: one command on one server, one per
 * slot on a Cluster (sent in parallel), results put back together. Not atomic across slots,
 * which none of the callers needs (MGET of independent values, UNLINK of doomed keys). A slot
 * being migrated answers TRYAGAIN while its keys are split: retried (`whileMigrating`).
 */

/** MGET, values in `keys` order. */
export function mgetAcross(client: RedisClient, keys: readonly string[]): Promise<(string | null)[]> {
  return inSlotGroups(client, keys, (group) => client.mget(...group));
}

/** MGET returning Buffers, values in `keys` order. */
export function mgetBufferAcross(client: RedisClient, keys: readonly string[]): Promise<(Buffer | null)[]> {
  return inSlotGroups(client, keys, (group) => client.mgetBuffer(...group));
}

/** UNLINK; the number of keys removed. */
export function unlinkAcross(client: RedisClient, keys: readonly string[]): Promise<number> {
  return summed(client, keys, (group) => client.unlink(...group));
}

/** EXISTS; how many of `keys` exist. */
export function existsAcross(client: RedisClient, keys: readonly string[]): Promise<number> {
  return summed(client, keys, (group) => client.exists(...group));
}

async function summed(
  client: RedisClient,
  keys: readonly string[],
  count: (group: string[]) => Promise<number>,
): Promise<number> {
  if (keys.length === 0) return 0;
  const counts = await Promise.all(
    groupBySlot(client, keys).map((group) => whileMigrating(() => count(group))),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function inSlotGroups<T>(
  client: RedisClient,
  keys: readonly string[],
  read: (group: string[]) => Promise<(T | null)[]>,
): Promise<(T | null)[]> {
  if (keys.length === 0) return [];
  const groups = groupBySlot(client, keys);
  if (groups.length === 1) return whileMigrating(() => read(groups[0] as string[]));
  const values = new Map<string, T | null>();
  await Promise.all(
    groups.map(async (group) => {
      const found = await whileMigrating(() => read(group));
      group.forEach((key, i) => {
        values.set(key, found[i] ?? null);
      });
    }),
  );
  return keys.map((key) => values.get(key) ?? null);
}
