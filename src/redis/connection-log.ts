import type { RedisConfig } from '../config/types.ts';
import type { Logger } from '../logger.ts';
import { connectedAddress } from './address.ts';
import type { RedisClient } from './client.ts';
import { describeRedisTarget, redisMode } from './connection.ts';
import { sentinelList } from './sentinel.ts';

/**
 * Says where the command connection went (sentinel hosts and master name, never a password)
 * and, in Sentinel mode, every later move to another master: a failover shows up as a
 * reconnect to another address.
 */
export function logRedisConnection(client: RedisClient, config: RedisConfig, logger: Logger): void {
  const mode = redisMode(config);
  const sentinel = config.sentinel;
  if (!sentinel) {
    logger.info({ mode }, `redis connected: ${describeRedisTarget(config)}`);
    return;
  }
  const sentinels = sentinelList(sentinel).split(',');
  const masterName = sentinel.masterName;
  let master = connectedAddress(client);
  logger.info(
    { mode, sentinels, masterName, master },
    `redis connected through Sentinel: master "${masterName}" at ${master}`,
  );
  client.on('ready', () => {
    const now = connectedAddress(client);
    if (now === master) return;
    logger.warn({ mode, masterName, from: master, to: now }, `redis master "${masterName}" moved to ${now}`);
    master = now;
  });
}
