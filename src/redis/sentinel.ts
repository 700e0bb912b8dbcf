import { Redis, type RedisOptions } from 'ioredis';
import type { SentinelConfig } from '../config/types.ts';

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
    ...(sentinel.password === null ? {} : { password: sentinel.password }),
    db: sentinel.db,
    // ioredis ends the client for good when this returns null: a Sentinel outage must be
    // waited out like a Redis outage, with the same bounded backoff.
    sentinelRetryStrategy: policy.retryDelay,
    // A sentinel that accepts the connection but never answers must not hang the connect.
    sentinelCommandTimeout: policy.commandTimeoutMs,
    // Without it a client stays on the demoted master until Sentinel converts it to a replica
    // (about 10 s after the failover), and writes made there meanwhile are lost. With it, the
    // client subscribes to +switch-master and reconnects through the sentinels at once.
    failoverDetector: true,
    // A command that reaches a node demoted under our feet reconnects (through the sentinels)
    // and is sent again, rather than failing with READONLY.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    ...(policy.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
  };
}

/** The ioredis internals `SentinelRedis` reaches into (a test closes an app and checks the result). */
interface ConnectorInternals {
  connector?: { failoverDetector?: { cleanup(): void } | null };
}

/**
 * A Sentinel-mode client. It fixes one ioredis gap: after QUIT the failover detector's
 * subscriptions to the sentinels stay open (only `disconnect()` releases them, and calling it
 * on an ended client arms a 2 s timer), so a process that closed every client would not exit.
 * `duplicate()` (BullMQ uses it for the worker's blocking connection) keeps the fix.
 */
export class SentinelRedis extends Redis {
  constructor(options: RedisOptions) {
    super(options);
    this.on('end', () => {
      const connector = (this as unknown as ConnectorInternals).connector;
      if (!connector?.failoverDetector) return;
      connector.failoverDetector.cleanup();
      // A new detector is made on the next connect; this one must not be cleaned up twice.
      connector.failoverDetector = null;
    });
  }

  override duplicate(override?: Partial<RedisOptions>): Redis {
    return new SentinelRedis({ ...this.options, ...override });
  }
}

/** `host:port` of the server a client is connected to (the current master); null when not ready. */
export function connectedAddress(client: Redis): string | null {
  if (client.status !== 'ready') return null;
  const stream: { remoteAddress?: string | undefined; remotePort?: number | undefined } | undefined =
    client.stream;
  const { remoteAddress, remotePort } = stream ?? {};
  if (!remoteAddress || !remotePort) return null;
  return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
}

/** `host:port,host:port`, for logs and messages (no secret in it). */
export function sentinelList(sentinel: SentinelConfig): string {
  return sentinel.sentinels
    .map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`))
    .join(',');
}
