import { Redis, type RedisOptions } from 'ioredis';
import { fullJitterDelay } from '../backoff.ts';
import { redactUrl } from '../config/redact.ts';
import type { RedisConfig, RedisMode } from '../config/types.ts';
import { ErrorCodes, errorMessage, TradecacheError } from '../errors.ts';
import type { RedisClient } from './client.ts';
import { clusterNodeList, createClusterClient, createClusterSubscriber } from './cluster.ts';
import { refuseClusterNode } from './cluster-guard.ts';
import { SentinelRedis, sentinelList, sentinelOptions } from './sentinel.ts';
import { sentinelWatch } from './sentinel-watch.ts';

export type { Redis, RedisClient };

/**
 * `feed`: the market feed's writer, apart from `command` so HTTP reads never queue behind its
 * pipelines; `feed-prices`: its current prices, apart from its bulk writes for the same reason.
 */
export type ConnectionRole =
  | 'command'
  | 'subscriber'
  | 'queue'
  | 'worker'
  | 'probe'
  | 'feed'
  | 'feed-prices'
  | 'durable';

export interface ConnectionOptions {
  role: ConnectionRole;
  /** BullMQ needs blocking commands without a timeout and unlimited retries per request. */
  forBullmq?: boolean;
  /** One attempt, no reconnects (`tradecache ping`): the first failure is the answer. */
  oneShot?: boolean;
}

const RECONNECT_BASE_MS = 100;
// A process must serve normally within 2 s of Redis coming back (RELIABILITY.md, the outage
// scenarios): with full jitter the wait after Redis returns is up to the cap, so the cap stays
// well under that. At one attempt per ~0.5 s per connection a dead Redis costs nothing.
const RECONNECT_CAP_MS = 1_000;

// Bounded delay, never give up: Redis (or Sentinel) coming back must be picked up without a restart.
const reconnectDelay = (times: number) =>
  Math.max(10, fullJitterDelay(times, RECONNECT_BASE_MS, RECONNECT_CAP_MS));

/**
 * Builds ioredis options for a connection. Nothing connects here: clients are created with
 * `lazyConnect` and connected explicitly by their owner, which also closes them.
 */
export function redisOptions(config: RedisConfig, options: ConnectionOptions): RedisOptions {
  let base: RedisOptions = {
    lazyConnect: true,
    connectionName: `tradecache:${options.role}`,
    connectTimeout: 5_000,
    retryStrategy: reconnectDelay,
    enableOfflineQueue: true,
  };
  if (config.tls) base.tls = {};
  if (config.sentinel) {
    base = {
      ...base,
      ...sentinelOptions(config.sentinel, {
        tls: config.tls,
        commandTimeoutMs: config.commandTimeoutMs,
        retryDelay: reconnectDelay,
      }),
    };
  }
  if (options.oneShot) {
    base = {
      ...base,
      retryStrategy: () => null,
      sentinelRetryStrategy: () => null,
      maxRetriesPerRequest: 0,
    };
    return { ...base, commandTimeout: config.commandTimeoutMs };
  }
  if (options.forBullmq) return { ...base, maxRetriesPerRequest: null, enableReadyCheck: false };
  return { ...base, commandTimeout: config.commandTimeoutMs, maxRetriesPerRequest: 2 };
}

/**
 * A new, not yet connected client for `config.url`, for the master the sentinels name, or for
 * the Redis Cluster the seed nodes belong to.
 */
export function createRedisClient(config: RedisConfig, options: ConnectionOptions): RedisClient {
  if (config.cluster) {
    const cluster = {
      base: redisOptions(config, options),
      retryDelay: options.oneShot ? () => null : reconnectDelay,
    };
    return options.role === 'subscriber'
      ? createClusterSubscriber(config.cluster, cluster)
      : createClusterClient(config.cluster, cluster);
  }
  if (config.sentinel) {
    const watch = options.oneShot ? null : sentinelWatch(config.sentinel, config.tls);
    return new SentinelRedis(redisOptions(config, options), watch);
  }
  if (config.url === null) throw new Error('Redis URL is not resolved yet (embedded Redis not started)');
  return new Redis(config.url, redisOptions(config, options));
}

export function redisMode(config: RedisConfig): RedisMode {
  if (config.sentinel) return 'sentinel';
  if (config.cluster) return 'cluster';
  return config.source === 'embedded' ? 'embedded' : 'standalone';
}

/** Where a client connects, for logs and errors: the URL with its password masked, or the sentinels. */
export function describeRedisTarget(config: RedisConfig): string {
  if (config.sentinel) {
    return `master "${config.sentinel.masterName}" through sentinels ${sentinelList(config.sentinel)}`;
  }
  if (config.cluster) return `the cluster of ${clusterNodeList(config.cluster)}`;
  return config.url === null ? 'the embedded redis-server' : redactUrl(config.url);
}

/** Every password a Redis config holds, for the secret scrubber. */
export function redisSecrets(config: RedisConfig): string[] {
  const secrets: string[] = [];
  if (config.url !== null) {
    const password = new URL(config.url).password;
    if (password) secrets.push(decodeURIComponent(password));
  }
  if (config.sentinel?.password) secrets.push(config.sentinel.password);
  if (config.sentinel?.sentinelPassword) secrets.push(config.sentinel.sentinelPassword);
  if (config.cluster?.password) secrets.push(config.cluster.password);
  return secrets;
}

/**
 * Connects a client and resolves once it is ready; at the first failure it drops the client
 * and rejects with REDIS_UNAVAILABLE naming the target and the reason (never a password).
 * A Redis Cluster node reached as one Redis is refused (CONFIG_INVALID): it would half work.
 * Needed because a Sentinel client would otherwise retry the sentinels forever inside
 * `connect()`, and because a URL client's `connect()` only says "Connection is closed".
 */
export async function connectRedisClient(client: RedisClient, config: RedisConfig): Promise<void> {
  const sentinelErrors: string[] = [];
  const onSentinelError = (err: Error) => {
    // "failed to connect to sentinel h:p because WRONGPASS ..." -> "sentinel h:p: WRONGPASS ..."
    const message = err.message.replace(/^failed to connect to sentinel (\S+) because /, 'sentinel $1: ');
    if (!sentinelErrors.includes(message)) sentinelErrors.push(message);
  };
  let onError: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    onError = reject;
  });
  client.on('sentinelError', onSentinelError);
  client.on('error', onError);
  try {
    await Promise.race([client.connect(), failed]);
  } catch (err) {
    client.disconnect();
    const reason = sentinelErrors.length > 0 ? sentinelErrors.join('; ') : errorMessage(err);
    const where = config.sentinel || config.cluster ? '' : 'at ';
    throw new TradecacheError(
      ErrorCodes.REDIS_UNAVAILABLE,
      `cannot reach Redis ${where}${describeRedisTarget(config)}: ${reason.replace(/\.$/, '')}${authHint(config, reason)}`,
      { cause: err, context: { mode: redisMode(config) } },
    );
  } finally {
    client.off('sentinelError', onSentinelError);
    client.off('error', onError);
  }
  if (config.cluster) return;
  try {
    await refuseClusterNode(client, config);
  } catch (err) {
    client.disconnect();
    throw err;
  }
}

/** Points at the variable to fix when a server refused our user or password. */
function authHint(config: RedisConfig, reason: string): string {
  if (!/WRONGPASS|NOAUTH|invalid password/i.test(reason)) return '';
  if (!config.sentinel) {
    if (config.source === 'REDIS_HOST') return ' (check REDIS_USERNAME and REDIS_PASSWORD)';
    return config.url !== null && new URL(config.url).username !== ''
      ? ' (check the user and password)'
      : ' (check the password)';
  }
  if (/sentinel \S+: (WRONGPASS|NOAUTH)/.test(reason)) return ' (check REDIS_SENTINEL_PASSWORD)';
  return config.sentinel.username === null
    ? ' (check REDIS_PASSWORD)'
    : ' (check REDIS_USERNAME and REDIS_PASSWORD)';
}

/** Closes a client: QUIT when connected (lets replies drain), otherwise drop the socket. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
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
