import { Redis } from 'ioredis';
import { redactUrl } from '../config/redact.ts';
import type { Config } from '../config/types.ts';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import { redisOptions } from '../redis/connection.ts';
import { findEmbeddedRedis } from '../redis/embedded.ts';

export interface PingResult {
  target: string;
  latencyMs: number;
  version: string;
}

/**
 * The seeds' `scripts/redis_ping.py`: PING the configured Redis (or the embedded one, if it is
 * running) and report the round trip and server version. Never starts a Redis.
 */
export async function pingRedis(config: Config): Promise<PingResult> {
  let url = config.redis.url;
  if (url === null) {
    const embedded = await findEmbeddedRedis(config.dataDir);
    if (!embedded) {
      throw new TradecacheError(
        ErrorCodes.REDIS_UNAVAILABLE,
        `no Redis configured and the embedded redis-server of ${config.dataDir} is not running (run tradecache start, or set REDIS_URL)`,
      );
    }
    url = embedded.url;
  }
  const client = new Redis(url, {
    ...redisOptions(config.redis, { role: 'probe' }),
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const started = performance.now();
    const reply = await client.ping();
    const latencyMs = performance.now() - started;
    if (reply !== 'PONG') throw new Error(`unexpected reply ${reply}`);
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return { target: redactUrl(url), latencyMs, version };
  } catch (err) {
    throw new TradecacheError(
      ErrorCodes.REDIS_UNAVAILABLE,
      `cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    client.disconnect();
  }
}
