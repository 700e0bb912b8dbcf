import { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ClusterConfig } from '../config/types.ts';
import { formatAddress } from './address.ts';

/** The retry behaviour and timeouts of one connection, as `redisOptions` builds them for any mode. */
export interface ClusterConnectionOptions {
  base: RedisOptions;
  retryDelay: (times: number) => number | null;
}

/**
 * A not yet connected ioredis Cluster on the seed nodes. Per-node options (password, TLS,
 * timeouts, BullMQ's `maxRetriesPerRequest: null`) go in `redisOptions`, which ioredis applies
 * to every node it discovers. Reads and writes go to masters (`scaleReads: 'master'`): a replica
 * read could miss a write just acknowledged. MOVED/ASK redirections during resharding and a
 * replica taking over a failed master are followed by ioredis (slots refreshed on MOVED).
 */
export function createClusterClient(cluster: ClusterConfig, options: ClusterConnectionOptions): Cluster {
  const { base, retryDelay } = options;
  const { lazyConnect, enableOfflineQueue, enableReadyCheck, retryStrategy: _, ...perNode } = base;
  const redisOptions: ClusterOptions['redisOptions'] = { ...perNode };
  if (cluster.password !== null) redisOptions.password = cluster.password;
  if (cluster.username !== null) redisOptions.username = cluster.username;
  const clusterOptions: ClusterOptions = {
    lazyConnect: lazyConnect ?? true,
    enableOfflineQueue: enableOfflineQueue ?? true,
    scaleReads: 'master',
    clusterRetryStrategy: retryDelay,
    // A failover takes the cluster a node timeout or two: keep retrying commands through it.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    slotsRefreshTimeout: 2_000,
    redisOptions,
  };
  if (enableReadyCheck !== undefined) clusterOptions.enableReadyCheck = enableReadyCheck;
  return new Cluster(
    cluster.nodes.map((node) => ({ host: node.host, port: node.port })),
    clusterOptions,
  );
}

/** `h1:p1,h2:p2` of the seed nodes, for logs and errors (never a password). */
export function clusterNodeList(cluster: ClusterConfig): string {
  return cluster.nodes.map((node) => formatAddress(node.host, node.port)).join(',');
}
