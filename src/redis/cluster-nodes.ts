import type { Cluster } from 'ioredis';

/** One node of a Redis Cluster as the cluster sees it (CLUSTER NODES), for operators. */
export interface ClusterNodeRow {
  /** `host:port` the node announces (never credentials). */
  address: string;
  role: 'master' | 'replica';
  /** Hash slots the node owns (0 for a replica, and for a failed master its replica replaced). */
  slots: number;
  /** Not flagged failing (`fail`, `fail?`) and its cluster bus link is connected. */
  up: boolean;
  /** A replica's master (`host:port`); null for a master. */
  master: string | null;
}

/**
 * Every node of the cluster from CLUSTER NODES, asked of one node through the Cluster client:
 * the cluster's own view, so a master that died shows as down (the client's slot table would
 * simply drop it). Masters first, each group sorted by address.
 */
export async function clusterNodeRows(client: Cluster): Promise<ClusterNodeRow[]> {
  return parseClusterNodes((await client.call('CLUSTER', 'NODES')) as string);
}

/** `<id> <ip:port@cport[,hostname]> <flags> <master id|-> <ping> <pong> <epoch> <link> <slot>...` */
export function parseClusterNodes(table: string): ClusterNodeRow[] {
  const lines = table
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 8);
  const addressOf = new Map(lines.map((f) => [f[0] as string, (f[1] ?? '').split('@')[0] as string]));
  const rows = lines
    .filter((f) => !(f[2] ?? '').split(',').includes('noaddr'))
    .map((f): ClusterNodeRow => {
      const flags = (f[2] ?? '').split(',');
      const master = flags.includes('master');
      return {
        address: addressOf.get(f[0] as string) ?? '',
        role: master ? 'master' : 'replica',
        slots: master ? countSlots(f.slice(8)) : 0,
        up: !flags.includes('fail') && !flags.includes('fail?') && f[7] === 'connected',
        master: master ? null : (addressOf.get(f[3] ?? '') ?? null),
      };
    });
  return rows.sort((a, b) =>
    a.role === b.role ? a.address.localeCompare(b.address) : a.role === 'master' ? -1 : 1,
  );
}

/** Slots in `a-b` ranges and single numbers; `[slot->-id]` / `[slot-<-id]` (migrations in progress) are skipped. */
function countSlots(ranges: readonly string[]): number {
  let count = 0;
  for (const range of ranges) {
    if (range.startsWith('[')) continue;
    const [first, last = first] = range.split('-').map(Number);
    if (Number.isInteger(first) && Number.isInteger(last)) count += (last as number) - (first as number) + 1;
  }
  return count;
}
