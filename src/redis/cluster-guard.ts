import type { RedisConfig } from '../config/types.ts';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { RedisClient } from './client.ts';

/**
 * Refuses a server that is a Redis Cluster node reached as one Redis (REDIS_URL, REDIS_HOST,
 * Sentinel). A plain client on one node answers for that node's slots only and gets MOVED for
 * the rest: tradecache would half work, which is worse than not starting. The message says how
 * to reach it as a cluster. A server that does not let us run INFO is given the benefit of the doubt.
 */
export async function refuseClusterNode(client: RedisClient, config: RedisConfig): Promise<void> {
  let info: string;
  try {
    info = await client.info('cluster');
  } catch {
    return;
  }
  if (!/^cluster_enabled:1\b/m.test(info)) return;
  const variable = config.sentinel ? 'REDIS_SENTINELS' : config.source;
  throw new TradecacheError(
    ErrorCodes.CONFIG_INVALID,
    `invalid ${variable}: it leads to a Redis Cluster node; set REDIS_CLUSTER_NODES (or a redis+cluster:// URL) to use it as a cluster`,
    { context: { variable } },
  );
}
