import type { Redis } from 'ioredis';
import type { RedisConfig } from '../config/types.ts';
import { ErrorCodes, TradecacheError } from '../errors.ts';

/**
 * Refuses a server that is a Redis Cluster node. A plain client on one node answers for that
 * node's slots only and gets MOVED for the rest: tradecache would half work, which is worse than
 * not starting. A server that does not let us run INFO is given the benefit of the doubt.
 */
export async function refuseClusterNode(client: Redis, config: RedisConfig): Promise<void> {
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
    `invalid ${variable}: it leads to a Redis Cluster node, and Redis Cluster is not supported; use a single Redis or Sentinel (REDIS_SENTINELS)`,
    { context: { variable } },
  );
}
