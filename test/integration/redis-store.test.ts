import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { SecretScrubber } from '../../src/config/redact.ts';
import { FailSoftWarnings } from '../../src/fail-soft-warnings.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/metrics.ts';
import { closeRedisClient, createRedisClient } from '../../src/redis/connection.ts';
import { RedisHealth } from '../../src/redis/health.ts';
import { RedisStore } from '../../src/redis/store.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.destroy();
});

function storeFor(url: string, logs: string[] = []) {
  const config = loadConfig({
    REDIS_URL: url,
    REDIS_COMMAND_TIMEOUT_MS: '300',
    REDIS_MAX_OFFLINE_QUEUE: '5',
  });
  const client = createRedisClient(config.redis, { role: 'command' });
  const scrubber = new SecretScrubber();
  scrubber.add(redis.password);
  const metrics = new Metrics();
  const health = new RedisHealth(client, scrubber);
  const logger = createLogger({ level: 'info', scrubber, write: (l) => logs.push(l) });
  const store = new RedisStore(client, {
    logger,
    metrics,
    health,
    warnings: new FailSoftWarnings(logger),
    maxOfflineQueue: config.redis.maxOfflineQueue,
  });
  return { client, store, metrics, health };
}

describe('fail-soft JSON helpers (Python platform: read_json, write_json, incr, get_int)', () => {
  it('round-trips JSON with a TTL and counts', async () => {
    const { client, store } = storeFor(redis.url);
    await client.connect();
    expect(await store.writeJson('t:json', { symbol: 'BTCUSDT', price: '60650.00' }, 60)).toBe(true);
    expect(await store.readJson('t:json')).toEqual({ symbol: 'BTCUSDT', price: '60650.00' });
    expect(await client.ttl('t:json')).toBeGreaterThan(55);
    expect(await store.incr('t:count', 2)).toBe(2);
    expect(await store.getInt('t:count')).toBe(2);
    expect(await store.getInt('t:missing')).toBe(0);
    await client.set('t:notjson', '{oops');
    expect(await store.readJson('t:notjson')).toBeNull();
    await closeRedisClient(client);
  });

  it('answers "nothing" when Redis is down, and the failure shows in metrics and health', async () => {
    const dead = await startTestRedis();
    const logs: string[] = [];
    const { client, store, metrics, health } = storeFor(dead.url, logs);
    client.on('error', () => {});
    await client.connect();
    await dead.destroy();

    expect(await store.readJson('t:json')).toBeNull();
    expect(await store.writeJson('t:json', { a: 1 })).toBe(false);
    expect(await store.incr('t:count')).toBeNull();
    expect(await store.getInt('t:count')).toBe(0);

    const errors = await metrics.redisErrors.get();
    const total = errors.values.reduce((sum, v) => sum + v.value, 0);
    expect(total).toBeGreaterThanOrEqual(4);
    expect(health.snapshot().failures).toBeGreaterThanOrEqual(4);
    expect(health.snapshot().lastError).toBeTruthy();
    expect(logs.join('\n')).toContain('fail-soft');
    expect(logs.join('\n')).not.toContain(dead.password);
    client.disconnect();
  });
});
