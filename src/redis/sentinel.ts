import { Redis, type RedisOptions } from 'ioredis';
import type { SentinelConfig } from '../config/types.ts';
import { formatAddress } from './address.ts';
import type { SentinelWatch } from './sentinel-watch.ts';

/**
 * ioredis options that find the master through Sentinel. The same retry, timeout and
 * offline-queue policy as a URL connection applies on top (see `redisOptions`).
 */
export function sentinelOptions(
  sentinel: SentinelConfig,
  policy: { tls: boolean; commandTimeoutMs: number; retryDelay: (attempt: number) => number },
): RedisOptions {
  return {
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.masterName,
    role: 'master',
    ...(sentinel.sentinelPassword === null ? {} : { sentinelPassword: sentinel.sentinelPassword }),
    ...(sentinel.username === null ? {} : { username: sentinel.username }),
    ...(sentinel.password === null ? {} : { password: sentinel.password }),
    db: sentinel.db,
    // ioredis ends the client for good when this returns null: a Sentinel outage must be
    // waited out like a Redis outage, with the same bounded backoff.
    sentinelRetryStrategy: policy.retryDelay,
    // A sentinel that accepts the connection but never answers must not hang the connect.
    sentinelCommandTimeout: policy.commandTimeoutMs,
    // Failovers are followed by SentinelWatch (see there why not by ioredis' detector).
    failoverDetector: false,
    // A command that reaches a node demoted under our feet reconnects (through the sentinels)
    // and is sent again, rather than failing with READONLY.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    ...(policy.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
  };
}

/**
 * A Sentinel-mode client, moved to the new master by `failoverWatch` on a failover (none for one-shot
 * probes). `duplicate()` (BullMQ uses it for the worker's blocking connection) keeps the watch.
 */
export class SentinelRedis extends Redis {
  constructor(
    options: RedisOptions,
    private readonly failoverWatch: SentinelWatch | null,
  ) {
    super(options);
    failoverWatch?.add(this);
  }

  override duplicate(override?: Partial<RedisOptions>): Redis {
    return new SentinelRedis({ ...this.options, ...override }, this.failoverWatch);
  }
}

/** `host:port,host:port`, for logs and messages (no secret in it). */
export function sentinelList(sentinel: SentinelConfig): string {
  return sentinel.sentinels.map(({ host, port }) => formatAddress(host, port)).join(',');
}
