import { openRedisProbe } from '../app-tools.ts';
import type { Config, RedisMode } from '../config/types.ts';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import { clusterMasters, connectedAddress } from '../redis/address.ts';
import { connectRedisClient, describeRedisTarget, redisMode } from '../redis/connection.ts';

export interface PingResult {
  /** Where the PING went: the URL with its password masked, or the master and its sentinels. */
  target: string;
  mode: RedisMode;
  /** Sentinel mode: `host:port` of the master the sentinels named. */
  master: string | null;
  /** Cluster mode: `host:port` of every master. */
  masters: string[] | null;
  latencyMs: number;
  version: string;
}

/**
 * The Python platform's `scripts/redis_ping.py`: PING the configured Redis (or the embedded one, if it is
 * running) and report the round trip and server version. Never starts a Redis.
 */
export async function pingRedis(config: Config): Promise<PingResult> {
  const { client, redisConfig } = await openRedisProbe(config);
  const target = describeRedisTarget(redisConfig);
  try {
    // Rejects with the target and the reason, never a password.
    await connectRedisClient(client, redisConfig);
    try {
      const started = performance.now();
      const reply = await client.ping();
      const latencyMs = performance.now() - started;
      if (reply !== 'PONG') throw new Error(`unexpected reply ${reply}`);
      const info = await client.info('server');
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
      const mode = redisMode(redisConfig);
      return {
        target,
        mode,
        master: mode === 'sentinel' ? connectedAddress(client) : null,
        masters: mode === 'cluster' ? clusterMasters(client) : null,
        latencyMs,
        version,
      };
    } catch (err) {
      throw new TradecacheError(
        ErrorCodes.REDIS_UNAVAILABLE,
        `cannot reach Redis ${redisConfig.sentinel || redisConfig.cluster ? '' : 'at '}${target}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  } finally {
    client.disconnect();
  }
}

/** The line `tradecache ping` prints. */
export function formatPing(result: PingResult): string {
  const where =
    result.masters !== null
      ? `${result.target} (masters ${result.masters.join(',')})`
      : result.master === null
        ? result.target
        : `${result.master} (${result.target})`;
  return `PONG from ${where} in ${result.latencyMs.toFixed(2)} ms (redis ${result.version}, ${result.mode})`;
}
