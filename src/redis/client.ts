import keySlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';

/**
 * A Redis connection as the rest of tradecache takes it: one server (standalone, embedded, the
 * master Sentinel names) or a Redis Cluster. Both speak the same commands; what differs is that
 * on a Cluster every multi-key command, MULTI, pipeline and script must keep its keys in one
 * hash slot (the key registry's `{...}` tags), and SCAN sees one node only (see `scanNodes`).
 */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/** The per-command timeout ioredis enforces on this client (per node on a Cluster), if any. */
export function commandTimeoutOf(client: RedisClient): number | undefined {
  return isCluster(client) ? client.options.redisOptions?.commandTimeout : client.options.commandTimeout;
}

/**
 * The servers a SCAN-based walk must visit to see every key: each master of a Cluster (keys live
 * on exactly one), the client itself otherwise. Replicas are skipped: they hold copies.
 */
export function scanNodes(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/**
 * SCAN replies for `pattern` from every server `scanNodes` names, one after the other, each
 * batch as one SCAN call returned it (empty ones too, so a caller can check its bounds on every
 * call). Never KEYS.
 */
export async function* scanBatches(
  client: RedisClient,
  pattern: string,
  count: number,
): AsyncGenerator<string[]> {
  for (const node of scanNodes(client)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      yield batch;
    } while (cursor !== '0');
  }
}

/**
 * `keys` split into groups a Cluster accepts in one multi-key command (same hash slot), in first
 * seen order; one group with every key on a single server, where any mix is fine.
 */
export function groupBySlot(client: RedisClient, keys: readonly string[]): string[][] {
  if (!isCluster(client)) return keys.length === 0 ? [] : [[...keys]];
  return groupBy(keys, keySlot);
}

/** `items` split by `key`, groups (and the items in each) in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string | number): T[][] {
  const groups = new Map<string | number, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}
