import type { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';
import type { ClusterConfig } from '../config/types.ts';
import { formatAddress } from './address.ts';
import { TradecacheCluster } from './tradecache-cluster.ts';

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
 * replica taking over a failed master are followed by ioredis (slots refreshed on MOVED). A
 * TradecacheCluster: the command timeout holds while every node is down too, and each
 * channel's PUBLISHes go to one node, in order.
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
    // While a resharding's SETSLOT NODE reaches the masters one by one (and the replicas by
    // gossip), nodes disagree about a slot's owner and a command can bounce between two of them:
    // ioredis' default (retry at once) spends its 16 redirections in a few ms. A short pause per
    // MOVED rides out that disagreement (up to 0.8 s, then migrating-retry.ts starts again); a
    // MOVED outside a resharding is rare and costs one pause.
    retryDelayOnMoved: 50,
    // The 16 redirections must end well within the command timeout (2 s) even on a loaded
    // machine: a timeout is not safe to retry (the command may have run), a spent budget is
    // (migrating-retry.ts). ioredis' 100 ms per TRYAGAIN spent 1.6 s of it, and timed out.
    retryDelayOnTryAgain: 50,
    slotsRefreshTimeout: 2_000,
    redisOptions,
  };
  if (enableReadyCheck !== undefined) clusterOptions.enableReadyCheck = enableReadyCheck;
  return new TradecacheCluster(
    cluster.nodes.map((node) => ({ host: node.host, port: node.port })),
    clusterOptions,
  );
}

/**
 * The pub/sub connection on a Cluster: a plain client on one node, not a Cluster client.
 * `PUBLISH` reaches every node of a cluster, so one node (master or replica) hears every
 * message. A Cluster client would do the same but moves its hidden subscriber connection to
 * another node without a word, so its owner could not tell that messages were missed (the
 * cache bus drops L1 on a reconnect for exactly that). This one reports `close` and `ready` as
 * any connection does, and each reconnect tries the next seed node, so a dead node is left.
 */
export function createClusterSubscriber(cluster: ClusterConfig, options: ClusterConnectionOptions): Redis {
  const seeds = cluster.nodes;
  const first = seeds[0];
  if (!first) throw new Error('a cluster needs at least one seed node');
  let next = 0;
  const client: Redis = new Redis({
    ...options.base,
    host: first.host,
    port: first.port,
    ...(cluster.password !== null ? { password: cluster.password } : {}),
    ...(cluster.username !== null ? { username: cluster.username } : {}),
    retryStrategy: (times) => {
      // ioredis reads host and port from these options at each connect.
      next = (next + 1) % seeds.length;
      const seed = seeds[next] ?? first;
      client.options.host = seed.host;
      client.options.port = seed.port;
      return options.retryDelay(times);
    },
  });
  return client;
}

/** `h1:p1,h2:p2` of the seed nodes, for logs and errors (never a password). */
export function clusterNodeList(cluster: ClusterConfig): string {
  return cluster.nodes.map((node) => formatAddress(node.host, node.port)).join(',');
}
