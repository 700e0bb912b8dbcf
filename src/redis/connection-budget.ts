import type { RedisConfig } from '../config/types.ts';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { RedisClient } from './client.ts';
import { type ConnectionOptions, createRedisClient } from './connection.ts';
import { loadScripts } from './scripts.ts';

/**
 * Hands out Redis connections up to `REDIS_MAX_CONNECTIONS` for this process (command,
 * subscriber, queue, worker, ...). Over budget is a configuration error, reported at start,
 * rather than a Redis server slowly running out of client slots in production.
 */
export class ConnectionBudget {
  private open = 0;

  constructor(private readonly config: RedisConfig) {}

  create(options: ConnectionOptions): RedisClient {
    if (this.open >= this.config.maxConnections) {
      throw new TradecacheError(
        ErrorCodes.CONFIG_INVALID,
        `invalid REDIS_MAX_CONNECTIONS: this process needs more than ${this.config.maxConnections} Redis connections`,
        { context: { variable: 'REDIS_MAX_CONNECTIONS', role: options.role } },
      );
    }
    const client = createRedisClient(this.config, options);
    loadScripts(client);
    this.open += 1;
    client.once('end', () => {
      this.open -= 1;
    });
    return client;
  }

  get inUse(): number {
    return this.open;
  }
}
