import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCipher, type CacheEngine, createCacheEngine } from '../../src/cache/index.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

const logger = pino({ level: 'silent' });
let server: TestRedis;
let redis: RedisClient;
let engine: CacheEngine;
const clients: RedisClient[] = [];

function connect(): RedisClient {
  const client = server.client({ maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestRedis();
  redis = connect();
  await redis.connect();
  engine = createCacheEngine({
    redis,
    subscriber: connect,
    prefix: 'fail:cache',
    logger,
    l2TimeoutMs: 200,
    breakerThreshold: 3,
  });
  await engine.ready();
});
afterAll(async () => {
  await engine.close();
  for (const c of clients) c.disconnect();
  await server.destroy();
});

describe('encrypted namespaces', () => {
  const cipher = new AesGcmCipher({ keys: new Map([['k1', randomBytes(32)]]), currentKeyId: 'k1' });

  it('stores values unreadable in Redis and reads them back', async () => {
    const sessions = engine.namespace<{ userId: string; token: string }>('sessions', { encryption: cipher });
    await sessions.set('s1', { userId: 'u-42', token: 'very-secret-token' });
    const raw = await redis.getBuffer('fail:cache:sessions:s1');
    expect(raw?.includes('very-secret-token')).toBe(false);
    expect(raw?.includes('u-42')).toBe(false);
    expect(await sessions.get('s1')).toEqual({ userId: 'u-42', token: 'very-secret-token' });
  });

  it('treats a tampered value as missing and counts it', async () => {
    const sessions = engine.namespace<{ userId: string }>('tampered', { encryption: cipher, l1: false });
    await sessions.set('s2', { userId: 'u-1' });
    const raw = (await redis.getBuffer('fail:cache:tampered:s2')) as Buffer;
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 0xff;
    await redis.set('fail:cache:tampered:s2', raw);
    expect(await sessions.get('s2')).toBeUndefined();
    expect(sessions.stats().decodeErrors).toBe(1);
  });

  it('rejects a value moved from another key and a planted plaintext value', async () => {
    const sessions = engine.namespace<{ userId: string }>('moved', { encryption: cipher, l1: false });
    const plain = engine.namespace<{ userId: string }>('plain', { l1: false });
    await sessions.set('victim', { userId: 'victim' });
    await sessions.set('attacker', { userId: 'attacker' });
    await plain.set('victim', { userId: 'attacker' });
    const sealed = (await redis.getBuffer('fail:cache:moved:attacker')) as Buffer;
    await redis.set('fail:cache:moved:victim', sealed);
    expect(await sessions.get('victim')).toBeUndefined();
    await redis.set('fail:cache:moved:victim', (await redis.getBuffer('fail:cache:plain:victim')) as Buffer);
    expect(await sessions.get('victim')).toBeUndefined();
  });
});

describe('when Redis stops during getOrSet', () => {
  it('serves stale and last-good values, runs the factory for the rest, and opens the breaker', async () => {
    const symbols = engine.namespace<string[]>('symbols');
    await symbols.getOrSet('spot', async () => ['BTCUSDT'], { ttlMs: 20, lastGood: true, jitter: 0 });
    await symbols.getOrSet('futures', async () => ['BTCUSDT_PERP'], {
      ttlMs: 20,
      graceMs: 60_000,
      jitter: 0,
    });
    await symbols.set('fresh', ['ETHUSDT'], { ttlMs: 60_000 });
    await new Promise((r) => setTimeout(r, 40));
    await server.stop();

    const failing = async (): Promise<string[]> => {
      throw new Error('exchange down too');
    };
    const spot = await symbols.getOrSetWithMeta('spot', failing, { ttlMs: 20, lastGood: true });
    expect(spot).toMatchObject({ source: 'last-good', value: ['BTCUSDT'] });
    const futures = await symbols.getOrSetWithMeta('futures', failing, { ttlMs: 20, graceMs: 60_000 });
    expect(futures).toMatchObject({ source: 'stale', value: ['BTCUSDT_PERP'] });
    expect(await symbols.get('fresh')).toEqual(['ETHUSDT']);
    const cold = await symbols.getOrSetWithMeta('cold', async () => ['SOLUSDT']);
    expect(cold).toMatchObject({ source: 'factory', value: ['SOLUSDT'] });
    expect(await symbols.set('written', ['X'])).toBe(false);
    // L1 held it, but Redis may still: a delete that could not reach Redis removed nothing known.
    expect(await symbols.delete('fresh')).toBe(false);

    expect(engine.breakerState).not.toBe('closed');
    expect(symbols.stats().l2Errors).toBeGreaterThan(0);
    expect(symbols.stats().writeFailures).toBeGreaterThan(0);
  });
});
