import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/types.ts';
import { fullJitterDelay } from './backoff.ts';

export type { Redis };

export type ConnectionRole = 'command' | 'subscriber' | 'queue' | 'worker' | 'probe';

export interface ConnectionOptions {
  role: ConnectionRole;
  /** BullMQ needs blocking commands without a timeout and unlimited retries per request. */
  forBullmq?: boolean;
}

const RECONNECT_BASE_MS = 100;
const RECONNECT_CAP_MS = 5_000;

/**
 * Builds ioredis options for a connection. Nothing connects here: clients are created with
 * `lazyConnect` and connected explicitly by their owner, which also closes them.
 */
export function redisOptions(config: RedisConfig, options: ConnectionOptions): RedisOptions {
  const base: RedisOptions = {
    lazyConnect: true,
    connectionName: `tradecache:${options.role}`,
    connectTimeout: 5_000,
    // Bounded delay, never give up: Redis coming back must be picked up without a restart.
    retryStrategy: (times) => Math.max(10, fullJitterDelay(times, RECONNECT_BASE_MS, RECONNECT_CAP_MS)),
    enableOfflineQueue: true,
  };
  if (config.tls) base.tls = {};
  if (options.forBullmq) return { ...base, maxRetriesPerRequest: null, enableReadyCheck: false };
  return { ...base, commandTimeout: config.commandTimeoutMs, maxRetriesPerRequest: 2 };
}

/** A new, not yet connected client for `config.url`. */
export function createRedisClient(config: RedisConfig, options: ConnectionOptions): Redis {
  if (config.url === null) throw new Error('Redis URL is not resolved yet (embedded Redis not started)');
  return new Redis(config.url, redisOptions(config, options));
}

/** Closes a client: QUIT when connected (lets replies drain), otherwise drop the socket. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through to disconnect
    }
  }
  client.disconnect(false);
}
