import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCipher } from '../../src/crypto/aes-gcm.ts';
import { isTradecacheError } from '../../src/errors.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { createSessionKeys } from '../../src/redis/keys/index.ts';
import { RateLimiter, UserPreferencesStore, UserSessionCache } from '../../src/sessions/index.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let redis: RedisClient;
let run = 0;
const cipher = new AesGcmCipher({ keys: new Map([['k1', randomBytes(32)]]), currentKeyId: 'k1' });

/** A fresh prefix per test: tests never see each other's keys. */
function prefix() {
  run += 1;
  return `t${run}`;
}

beforeAll(async () => {
  server = await startTestRedis();
  redis = server.client({ lazyConnect: false });
});
afterAll(async () => {
  await redis.quit();
  await server.destroy();
});

describe('UserSessionCache', () => {
  it('creates a session readable by user and by id, with an unguessable base64url id', async () => {
    const sessions = new UserSessionCache({ redis, keys: createSessionKeys(prefix()), cipher });
    const id = await sessions.createSession('alice', { ip: '10.0.0.7', userAgent: 'TradeUI/2.1' });
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const byUser = await sessions.getUserSession('alice', id);
    expect(byUser?.data).toEqual({ ip: '10.0.0.7', userAgent: 'TradeUI/2.1' });
    expect((await sessions.getSessionById(id))?.userId).toBe('alice');
    expect(await sessions.getUserSession('bob', id)).toBeNull();
  });

  it('stores session data encrypted, bound to its key', async () => {
    const p = prefix();
    const sessions = new UserSessionCache({ redis, keys: createSessionKeys(p), cipher });
    const id = await sessions.createSession('alice', { ip: '203.0.113.9', userAgent: 'SecretAgent/1.0' });
    const keys = await redis.keys(`${p}:sessions:*`);
    const dump = (await Promise.all(keys.map((k) => redis.dump(k)))).join('');
    expect(dump).not.toContain('203.0.113.9');
    expect(dump).not.toContain('SecretAgent');
    // Copying the ciphertext to another session's key does not make it valid there (key = AAD).
    const other = await sessions.createSession('alice', {});
    const value = await redis.getBuffer(`${p}:sessions:{alice}:s:${id}`);
    await redis.set(`${p}:sessions:{alice}:s:${other}`, value as Buffer);
    expect(await sessions.getUserSession('alice', other)).toBeNull();
  });

  it('expires a session after its TTL unless activity slides it (injected clock)', async () => {
    let now = 1_700_000_000_000;
    const sessions = new UserSessionCache({
      redis,
      keys: createSessionKeys(prefix()),
      cipher,
      now: () => now,
    });
    const idle = await sessions.createSession('alice', {}, 60);
    const active = await sessions.createSession('alice', {}, 60);
    now += 45_000;
    expect(
      await sessions.updateSessionActivity('alice', active, { lastAction: 'view_portfolio' }),
    ).not.toBeNull();
    now += 30_000; // 75 s after creation, 30 s after the last activity
    expect(await sessions.getUserSession('alice', idle)).toBeNull();
    const slid = await sessions.getUserSession('alice', active);
    expect(slid?.data.lastAction).toBe('view_portfolio');
    expect(slid?.expiresAt).toBe(now - 30_000 + 60_000);
  });

  it('lets Redis drop a session when its real TTL runs out', async () => {
    const sessions = new UserSessionCache({ redis, keys: createSessionKeys(prefix()), cipher });
    const id = await sessions.createSession('alice', {}, 1);
    expect(await sessions.getUserSession('alice', id)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 1300));
    expect(await sessions.getUserSession('alice', id)).toBeNull();
    expect(await sessions.getSessionById(id)).toBeNull();
  });

  it('keeps at most maxSessionsPerUser live sessions, evicting the oldest', async () => {
    let now = 1_700_000_000_000;
    const sessions = new UserSessionCache({
      redis,
      keys: createSessionKeys(prefix()),
      cipher,
      maxSessionsPerUser: 3,
      now: () => now++,
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await sessions.createSession('alice', { n: i }));
    const live = await sessions.listUserSessions('alice');
    expect(live.map((s) => s.sessionId)).toEqual(ids.slice(2));
    expect(await sessions.getSessionById(ids[0] as string)).toBeNull();
  });

  it('deletes one session or all of a user, without touching other users', async () => {
    const sessions = new UserSessionCache({ redis, keys: createSessionKeys(prefix()), cipher });
    const a1 = await sessions.createSession('alice', {});
    await sessions.createSession('alice', {});
    const b1 = await sessions.createSession('bob', {});
    expect(await sessions.deleteSession('alice', a1)).toBe(true);
    expect(await sessions.deleteSession('alice', a1)).toBe(false);
    expect(await sessions.deleteAllUserSessions('alice')).toBe(1);
    expect(await sessions.listUserSessions('alice')).toEqual([]);
    expect(await sessions.getUserSession('bob', b1)).not.toBeNull();
  });

  it('cleanup removes exactly the index entries whose session expired', async () => {
    const p = prefix();
    const sessions = new UserSessionCache({ redis, keys: createSessionKeys(p), cipher });
    const gone1 = await sessions.createSession('alice', {});
    const kept = await sessions.createSession('alice', {});
    const gone2 = await sessions.createSession('bob', {});
    const keptBob = await sessions.createSession('bob', {});
    // Simulate TTL expiry of two sessions: their keys vanish, index entries dangle.
    // One DEL per user: the two users' keys are in different Cluster slots.
    await redis.del(`${p}:sessions:{alice}:s:${gone1}`);
    await redis.del(`${p}:sessions:{bob}:s:${gone2}`);
    expect(await sessions.cleanupExpiredSessions()).toBe(2);
    expect(await redis.zrange(`${p}:sessions:{alice}:index`, 0, -1)).toEqual([kept]);
    expect(await redis.zrange(`${p}:sessions:{bob}:index`, 0, -1)).toEqual([keptBob]);
    expect(await sessions.cleanupExpiredSessions()).toBe(0);
  });

  it('rejects user ids that could escape their key', async () => {
    const sessions = new UserSessionCache({ redis, keys: createSessionKeys(prefix()), cipher });
    for (const bad of ['', 'a:b', 'a}b', '*', 'x'.repeat(65), 'al ice']) {
      await expect(sessions.createSession(bad, {})).rejects.toSatisfy((e) =>
        isTradecacheError(e, 'VALIDATION_FAILED'),
      );
    }
  });
});

describe('UserPreferencesStore', () => {
  it('stores validated preferences and subscriptions without TTL', async () => {
    const p = prefix();
    const store = new UserPreferencesStore({ redis, keys: createSessionKeys(p) });
    const prefs = { theme: 'dark', favouriteSymbols: ['BTCUSDT', 'ETHUSDT'], timezone: 'Europe/Paris' };
    expect(await store.setUserPreferences('alice', prefs)).toEqual(prefs);
    expect(await store.getUserPreferences('alice')).toEqual(prefs);
    expect(await redis.ttl(`${p}:users:{alice}:preferences`)).toBe(-1);
    await store.setUserSubscription('alice', 'websocket', { channels: ['orders', 'risk_alerts'] });
    expect(await store.getUserSubscriptions('alice')).toEqual({
      websocket: { channels: ['orders', 'risk_alerts'] },
    });
    expect(await store.deleteUserSubscription('alice', 'websocket')).toBe(true);
    expect(await store.getUserSubscriptions('alice')).toEqual({});
  });

  it('refuses unknown fields and wrong types, keeping the old preferences', async () => {
    const store = new UserPreferencesStore({ redis, keys: createSessionKeys(prefix()) });
    await store.setUserPreferences('alice', { theme: 'light' });
    for (const bad of [
      { colour: 'red' },
      { theme: 3 },
      { favouriteSymbols: ['btc usdt'] },
      { timezone: 'Mars/Base' },
    ]) {
      await expect(store.setUserPreferences('alice', bad)).rejects.toSatisfy((e) =>
        isTradecacheError(e, 'VALIDATION_FAILED'),
      );
    }
    expect(await store.getUserPreferences('alice')).toEqual({ theme: 'light' });
  });
});

describe('RateLimiter', () => {
  it('allows exactly the limit per window, atomically under concurrency', async () => {
    const limiter = new RateLimiter({ redis, keys: createSessionKeys(prefix()) });
    const results = await Promise.all(
      Array.from({ length: 25 }, () => limiter.isRateLimited('alice', 'api_call', 10, 60)),
    );
    expect(results.filter((limited) => !limited)).toHaveLength(10);
    const decision = await limiter.consume('api_call', { kind: 'user', id: 'alice' }, 10, 60);
    expect(decision.allowed).toBe(false);
    expect(decision.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(decision.retryAfterSec).toBeLessThanOrEqual(60);
  });

  it('lets attempts through again once the window has slid past them', async () => {
    const limiter = new RateLimiter({ redis, keys: createSessionKeys(prefix()) });
    expect(await limiter.setRateLimit('alice', 'login', 2, 1)).toBe(1);
    expect(await limiter.setRateLimit('alice', 'login', 2, 1)).toBe(2);
    expect(await limiter.isRateLimited('alice', 'login', 2, 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.isRateLimited('alice', 'login', 2, 1)).toBe(false);
  });

  it('counts IPv4 and IPv6 clients separately', async () => {
    const limiter = new RateLimiter({ redis, keys: createSessionKeys(prefix()) });
    expect((await limiter.consume('http', { kind: 'ip', id: '::1' }, 1, 60)).allowed).toBe(true);
    expect((await limiter.consume('http', { kind: 'ip', id: '::1' }, 1, 60)).allowed).toBe(false);
    expect((await limiter.consume('http', { kind: 'ip', id: '127.0.0.1' }, 1, 60)).allowed).toBe(true);
  });
});
