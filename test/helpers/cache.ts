import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type CacheEngine, createCacheEngine } from '../../src/cache/index.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { startTestRedis, type TestRedis } from './redis.ts';

/**
 * A private redis-server for one test file, and engines on it that each have their own command
 * and bus connections, as separate processes would. Everything is closed after the file.
 */
export function useCacheEngines() {
  const logger = pino({ level: 'silent' });
  let server: TestRedis | undefined;
  const clients: RedisClient[] = [];
  const engines: CacheEngine[] = [];

  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    for (const c of clients) c.disconnect();
    await server?.destroy();
  });

  const connect = (): RedisClient => {
    if (!server) throw new Error('useCacheEngines: redis-server not started yet (call inside a test)');
    const client = server.client();
    clients.push(client);
    return client;
  };

  /** An engine under `prefix` with its own connections. */
  const newEngine = async (prefix: string): Promise<{ engine: CacheEngine; redis: RedisClient }> => {
    const redis = connect();
    await redis.connect();
    // The bus connection as the product opens it (on a Cluster: one node, not a Cluster client).
    const subscriber = () => {
      if (!server) throw new Error('useCacheEngines: redis-server not started yet');
      const client = server.subscriber();
      clients.push(client);
      return client;
    };
    const engine = createCacheEngine({ redis, subscriber, prefix, logger });
    engines.push(engine);
    await engine.ready();
    return { engine, redis };
  };

  return { connect, newEngine, logger };
}
