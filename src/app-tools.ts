/**
 * The factories of one-shot CLI tools that need less than the whole app: the history tools
 * (exchange and kline store, no Redis) and a Redis probe for `tradecache ping`.
 */

import { SecretScrubber } from './config/redact.ts';
import type { Config, LogLevel, RedisConfig } from './config/types.ts';
import { ErrorCodes, TradecacheError } from './errors.ts';
import { openExchange } from './exchange/open.ts';
import type { BacktestService, HistoryStore } from './history/index.ts';
import { openHistory } from './history/open.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import type { RedisClient } from './redis/client.ts';
import { createRedisClient } from './redis/connection.ts';
import { findEmbeddedRedis } from './redis/embedded.ts';

/**
 * Logging of a one-shot CLI command: stderr, so stdout is only the command's result
 * (`KEY=$(tradecache users add bob)`), and quiet below `warn` unless LOG_LEVEL asks for
 * debug or trace (the default `info` would narrate every connection of a two-second command).
 */
export function oneShotLogging(config: Config): { level: LogLevel; write: (line: string) => void } {
  return {
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    write: (line) => process.stderr.write(line),
  };
}

/** What `tradecache history ...` needs: the exchange and the kline store, no Redis. */
export interface HistoryTools {
  readonly store: HistoryStore;
  readonly backtest: BacktestService;
  close(): Promise<void>;
}

/**
 * The history tools of one CLI command. Logs go to stderr (at warn unless asked for more), so
 * stdout stays the command's output.
 */
export async function createHistoryTools(config: Config): Promise<HistoryTools> {
  const logger = createLogger({ ...oneShotLogging(config), scrubber: new SecretScrubber() });
  const exchange = await openExchange(config, logger, new Metrics({ collectDefault: false }));
  const { store, backtest } = openHistory(config, exchange.client);
  return { store, backtest, close: () => exchange.close() };
}

/** A one-shot connection for probes (`tradecache ping`), with the settings it was made from. */
export interface RedisProbe {
  readonly client: RedisClient;
  readonly redisConfig: RedisConfig;
}

/**
 * Connects a one-shot client to the configured Redis, or to the embedded one when it is running
 * (a probe never starts a Redis). The caller disconnects it.
 */
export async function openRedisProbe(config: Config): Promise<RedisProbe> {
  let redisConfig: RedisConfig = config.redis;
  if (config.redis.source === 'embedded') {
    const embedded = await findEmbeddedRedis(config.dataDir);
    if (!embedded) {
      throw new TradecacheError(
        ErrorCodes.REDIS_UNAVAILABLE,
        `no Redis configured and the embedded redis-server of ${config.dataDir} is not running (run tradecache start, or set REDIS_URL)`,
      );
    }
    redisConfig = { ...config.redis, url: embedded.url };
  }
  const client = createRedisClient(redisConfig, { role: 'probe', oneShot: true });
  client.on('error', () => {});
  return { client, redisConfig };
}
