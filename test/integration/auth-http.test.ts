import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretScrubber } from '../../src/config/redact.ts';
import { AesGcmCipher } from '../../src/crypto/aes-gcm.ts';
import { authPlugin } from '../../src/http/plugins/auth.ts';
import { errorHandlerPlugin } from '../../src/http/plugins/error-handler.ts';
import { rateLimitPlugin } from '../../src/http/plugins/rate-limit.ts';
import { authRoutes } from '../../src/http/routes/auth/index.ts';
import { sessionRoutes } from '../../src/http/routes/sessions/index.ts';
import { userRoutes } from '../../src/http/routes/users/index.ts';
import { createLogger } from '../../src/logger.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { createSessionKeys } from '../../src/redis/keys/index.ts';
import {
  deriveAuthSecrets,
  LoginLimiter,
  type LoginLimits,
  RateLimiter,
  SessionAuthenticator,
  SessionTokens,
  UserDirectory,
  UserPreferencesStore,
  UserSessionCache,
} from '../../src/sessions/index.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;
const WRONG_KEY = `tck_${'A'.repeat(43)}`;
const logLines: string[] = [];
const secretsSeen: string[] = [ADMIN_TOKEN];
let server: TestRedis;
let redis: RedisClient;
let deadRedis: Redis;
let run = 0;
const apps: FastifyInstance[] = [];

interface TestApp {
  app: FastifyInstance;
  users: UserDirectory;
  clock: { now: number };
}

async function buildApp(
  options: {
    loginLimits?: Partial<LoginLimits>;
    limiterRedis?: RedisClient;
    trustProxy?: boolean;
    perIp?: { limit: number; windowSec: number };
  } = {},
) {
  run += 1;
  const prefix = `http${run}`;
  const clock = { now: Date.now() };
  const now = () => clock.now;
  // An empty scrubber: the test must prove we never log secrets, not that the scrubber hides them.
  const scrubber = new SecretScrubber();
  const logger = createLogger({ level: 'debug', scrubber, write: (line) => logLines.push(line) });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    trustProxy: options.trustProxy ?? false,
  });
  const secrets = deriveAuthSecrets(randomBytes(32));
  const cipher = new AesGcmCipher({ keys: new Map([['k1', randomBytes(32)]]), currentKeyId: 'k1' });
  const sessions = new UserSessionCache({
    redis,
    keys: createSessionKeys(prefix),
    cipher,
    defaultTtlSec: 3600,
    now,
  });
  const users = new UserDirectory({
    redis,
    keys: createSessionKeys(prefix),
    pepper: secrets.apiKeyPepper,
    sessions,
  });
  const tokens = new SessionTokens(secrets.tokenKey);
  const authenticator = new SessionAuthenticator({ sessions, users, tokens, adminToken: ADMIN_TOKEN, now });
  await app.register(errorHandlerPlugin, { scrubber });
  await app.register(rateLimitPlugin, {
    limiter: new RateLimiter({ redis: options.limiterRedis ?? redis, keys: createSessionKeys(prefix) }),
    ...(options.perIp ? { perIp: options.perIp } : {}),
  });
  await app.register(authPlugin, { authenticator });
  await app.register(authRoutes, {
    limiter: new LoginLimiter({
      redis: options.limiterRedis ?? redis,
      keys: createSessionKeys(prefix),
      ...(options.loginLimits ? { limits: options.loginLimits } : {}),
    }),
  });
  await app.register(sessionRoutes, { sessions });
  await app.register(userRoutes, {
    preferences: new UserPreferencesStore({ redis, keys: createSessionKeys(prefix) }),
  });
  app.get('/api/v1/ticker', async () => ({ symbol: 'BTCUSDT', price: '50000.00' }));
  app.get('/probe', { config: { rateLimit: false } }, async () => ({ ok: true }));
  await app.ready();
  apps.push(app);
  return { app, users, clock } satisfies TestApp;
}

async function addUser(t: TestApp, userId: string, admin = false) {
  const apiKey = await t.users.addUser(userId, { admin });
  secretsSeen.push(apiKey);
  return apiKey;
}

async function login(t: TestApp, userId: string, apiKey: string, remoteAddress = '10.0.0.1') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { userId, apiKey },
    remoteAddress,
  });
  if (res.statusCode === 200) secretsSeen.push(res.json().token);
  return res;
}

async function loginToken(t: TestApp, userId: string, admin = false): Promise<string> {
  const res = await login(t, userId, await addUser(t, userId, admin));
  expect(res.statusCode).toBe(200);
  return res.json().token as string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  server = await startTestRedis();
  redis = server.client({ lazyConnect: false });
  // A client whose server is gone: stands in for a Redis outage without touching the real one.
  deadRedis = new Redis({
    port: 1,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  deadRedis.on('error', () => {});
});
afterAll(async () => {
  for (const app of apps) await app.close();
  deadRedis.disconnect();
  await redis.quit();
  await server.destroy();
});

describe('login', () => {
  it('returns a bearer token and an HttpOnly SameSite=Strict cookie that both authenticate', async () => {
    const t = await buildApp();
    const apiKey = await addUser(t, 'alice');
    const res = await login(t, 'alice', apiKey);
    expect(res.statusCode).toBe(200);
    const { token, expiresAt } = res.json();
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    const viaBearer = await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(token) });
    expect(viaBearer.statusCode).toBe(200);
    const viaCookie = await t.app.inject({
      url: '/api/v1/users/me/preferences',
      cookies: { tc_session: token },
    });
    expect(viaCookie.statusCode).toBe(200);
  });

  it('marks the cookie Secure when the request came over https', async () => {
    const t = await buildApp({ trustProxy: true });
    const apiKey = await addUser(t, 'alice');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { userId: 'alice', apiKey },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(String(res.headers['set-cookie'])).toMatch(/Secure/);
  });

  it('issues a new session on every login and rejects wrong keys and unknown users alike', async () => {
    const t = await buildApp();
    const apiKey = await addUser(t, 'alice');
    const first = (await login(t, 'alice', apiKey)).json().token;
    const second = (await login(t, 'alice', apiKey)).json().token;
    expect(first).not.toBe(second);
    const sessions = await t.app.inject({ url: '/api/v1/cache/sessions/alice', headers: bearer(second) });
    expect(sessions.json().count).toBe(2);
    const wrong = await login(t, 'alice', WRONG_KEY);
    const unknown = await login(t, 'mallory', apiKey);
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json().error).toEqual(unknown.json().error);
  });

  it('rejects malformed bodies with a 400 JSON error', async () => {
    const t = await buildApp();
    for (const payload of [
      {},
      { userId: 'a:b', apiKey: 'k' },
      { userId: 'alice' },
      { userId: 'alice', apiKey: 7 },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('tokens', () => {
  it('answers 401 AUTH_REQUIRED without credentials', async () => {
    const t = await buildApp();
    const res = await t.app.inject({ url: '/api/v1/users/me/preferences' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('AUTH_REQUIRED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('rejects forged, tampered, logged-out, revoked and expired tokens with 401 AUTH_INVALID', async () => {
    const t = await buildApp();
    const token = await loginToken(t, 'alice');
    const [user, sessionId, mac] = token.split('.') as [string, string, string];
    const forged = `${user}.${randomBytes(32).toString('base64url')}.${mac}`;
    const tampered = `${user}.${sessionId}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'AB' : 'AA'}`;
    const asBob = `${Buffer.from('bob').toString('base64url')}.${sessionId}.${mac}`;
    for (const bad of [forged, tampered, asBob, 'not-a-token', `${token}.x`]) {
      const res = await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(bad) });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('AUTH_INVALID');
    }

    const loggedOut = await loginToken(t, 'carol');
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(loggedOut) }))
        .statusCode,
    ).toBe(200);
    const revoked = await loginToken(t, 'dave');
    await t.users.revokeUser('dave');
    const expiring = await loginToken(t, 'erin');
    t.clock.now += 3601_000;
    for (const dead of [loggedOut, revoked, expiring]) {
      const res = await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(dead) });
      expect(res.statusCode).toBe(401);
    }
  });

  it('finds the session cookie among other cookies, and lets an Authorization header take precedence', async () => {
    const t = await buildApp();
    const token = await loginToken(t, 'alice');
    const me = '/api/v1/users/me/preferences';
    const amongOthers = await t.app.inject({
      url: me,
      headers: { cookie: `theme=dark; tc_session=${token};_ga=GA1.2.3` },
    });
    expect(amongOthers.statusCode).toBe(200);
    const headerFirst = await t.app.inject({
      url: me,
      headers: { authorization: 'Bearer not-a-token', cookie: `tc_session=${token}` },
    });
    expect(headerFirst.statusCode).toBe(401);
    expect(headerFirst.json().error.code).toBe('AUTH_INVALID');
    const emptyCookie = await t.app.inject({ url: me, headers: { cookie: 'tc_session=; theme=dark' } });
    expect(emptyCookie.statusCode).toBe(401);
    expect(emptyCookie.json().error.code).toBe('AUTH_REQUIRED');
  });

  it('keeps an active session alive past its original TTL (sliding)', async () => {
    const t = await buildApp();
    const token = await loginToken(t, 'alice');
    t.clock.now += 3000_000;
    expect(
      (await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(token) })).statusCode,
    ).toBe(200);
    t.clock.now += 3000_000; // 100 min after login, 50 min after the last request
    expect(
      (await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(token) })).statusCode,
    ).toBe(200);
  });
});

describe('ownership', () => {
  it("forbids user A to read or end B's sessions, but lets B and admins do it", async () => {
    const t = await buildApp();
    const alice = await loginToken(t, 'alice');
    const bob = await loginToken(t, 'bob');
    const root = await loginToken(t, 'root', true);
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: '/api/v1/cache/sessions/bob', headers: bearer(alice) });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect(
      (await t.app.inject({ url: '/api/v1/cache/sessions/bob', headers: bearer(bob) })).json().count,
    ).toBe(1);
    expect(
      (await t.app.inject({ url: '/api/v1/cache/sessions/bob', headers: bearer(root) })).statusCode,
    ).toBe(200);
    const byAdminToken = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/cache/sessions/bob',
      headers: bearer(ADMIN_TOKEN),
    });
    expect(byAdminToken.json()).toEqual({ userId: 'bob', deleted: 1 });
    expect(
      (await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(bob) })).statusCode,
    ).toBe(401);
  });

  it("changes only the caller's own preferences and refuses unknown fields", async () => {
    const t = await buildApp();
    const alice = await loginToken(t, 'alice');
    const bob = await loginToken(t, 'bob');
    const put = (token: string, payload: unknown) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/v1/users/me/preferences',
        headers: bearer(token),
        payload: payload as object,
      });
    expect((await put(alice, { theme: 'dark', favouriteSymbols: ['BTCUSDT'] })).statusCode).toBe(200);
    expect((await put(bob, { theme: 'light' })).statusCode).toBe(200);
    const unknown = await put(alice, { theme: 'light', leverage: 100 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('VALIDATION_FAILED');
    expect(
      (await put(alice, { favouriteSymbols: Array.from({ length: 101 }, (_, i) => `SYM${i}USDT`) }))
        .statusCode,
    ).toBe(400);
    const get = await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(alice) });
    expect(get.json().preferences).toEqual({ theme: 'dark', favouriteSymbols: ['BTCUSDT'] });
    const adminMe = await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(ADMIN_TOKEN) });
    expect(adminMe.statusCode).toBe(403);
  });
});

describe('preferences validation messages', () => {
  const putAs = async (t: TestApp, token: string, payload: unknown) =>
    t.app.inject({
      method: 'PUT',
      url: '/api/v1/users/me/preferences',
      headers: bearer(token),
      payload: payload as object,
    });

  it("accepts the seed's example, a boolean notifications switching every kind", async () => {
    const t = await buildApp();
    const alice = await loginToken(t, 'alice');
    const res = await putAs(t, alice, { theme: 'dark', language: 'en', notifications: true });
    expect(res.statusCode).toBe(200);
    const get = await t.app.inject({ url: '/api/v1/users/me/preferences', headers: bearer(alice) });
    expect(get.json().preferences).toEqual({
      theme: 'dark',
      language: 'en',
      notifications: { priceAlerts: true, orderFills: true, news: true, email: true, push: true },
    });
    const off = await putAs(t, alice, { notifications: false });
    expect(off.json().preferences.notifications.push).toBe(false);
  });

  it('names the field and what was expected in every refusal', async () => {
    const t = await buildApp();
    const alice = await loginToken(t, 'alice');
    const cases: [unknown, string][] = [
      [{ leverage: 100 }, 'preferences: unknown property "leverage"; expected one of theme, language,'],
      [{ theme: 'neon' }, 'preferences.theme: expected one of light, dark, system'],
      [{ notifications: 'yes' }, 'preferences.notifications: expected an object or a boolean'],
      [{ notifications: null }, 'preferences.notifications: expected an object or a boolean'],
      [{ notifications: { news: 'on' } }, 'preferences.notifications.news: expected a boolean'],
      [
        { notifications: { sms: true } },
        'preferences.notifications: unknown property "sms"; expected one of priceAlerts',
      ],
      [{ favouriteSymbols: ['btc usdt'] }, 'preferences.favouriteSymbols[0]: expected a string matching'],
      [{ language: 'english!' }, 'preferences.language: expected a string matching'],
    ];
    for (const [payload, message] of cases) {
      const res = await putAs(t, alice, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.message, JSON.stringify(payload)).toContain(message);
    }
  });
});

describe('login rate limits', () => {
  it('stops guessing one user from one IP after 10 failures, with Retry-After, not from other IPs', async () => {
    const t = await buildApp();
    const apiKey = await addUser(t, 'alice');
    for (let i = 0; i < 10; i++)
      expect((await login(t, 'alice', WRONG_KEY, '10.1.0.1')).statusCode).toBe(401);
    const blocked = await login(t, 'alice', apiKey, '10.1.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(t, 'alice', apiKey, '10.1.0.99')).statusCode).toBe(200);
  });

  it('stops one IP spraying many users after its failure budget', async () => {
    const t = await buildApp({ loginLimits: { failuresPerAddress: 10 } });
    for (let i = 0; i < 10; i++)
      expect((await login(t, `user${i}`, WRONG_KEY, '10.2.0.1')).statusCode).toBe(401);
    const blocked = await login(t, 'user99', WRONG_KEY, '10.2.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await login(t, 'user99', WRONG_KEY, '10.2.0.2')).statusCode).toBe(401);
  });

  it('limits every client IP on every route, unknown paths included, except routes that opt out', async () => {
    const t = await buildApp({ perIp: { limit: 3, windowSec: 60 } });
    const get = (url: string, remoteAddress: string) => t.app.inject({ url, remoteAddress });
    const first = await get('/api/v1/ticker', '10.3.0.1');
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    expect((await get('/api/v1/ticker', '10.3.0.1')).statusCode).toBe(200);
    expect((await get('/no-such-route', '10.3.0.1')).statusCode).toBe(404);
    const blocked = await get('/api/v1/ticker', '10.3.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.headers['x-ratelimit-remaining']).toBe('0');
    expect((await get('/probe', '10.3.0.1')).statusCode).toBe(200);
    expect((await get('/api/v1/ticker', '10.3.0.2')).statusCode).toBe(200);
  });

  it('fails closed for login and open for reads when the limiter cannot reach Redis', async () => {
    const t = await buildApp({ limiterRedis: deadRedis });
    const apiKey = await addUser(t, 'alice');
    const res = await login(t, 'alice', apiKey);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('REDIS_UNAVAILABLE');
    expect((await t.app.inject({ url: '/api/v1/ticker' })).statusCode).toBe(200);
  });
});

describe('hostile input', () => {
  it('never answers 5xx to fuzzed Authorization headers and login bodies', async () => {
    const t = await buildApp({
      loginLimits: { failuresPerUserAddress: 1_000_000, failuresPerAddress: 1_000_000 },
    });
    const token = await loginToken(t, 'alice');
    const header = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'Bearer .-_=abcXYZ019+/\t'.split('')), maxLength: 120 }),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
      fc
        .nat({ max: token.length - 1 })
        .map((i) => `Bearer ${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        const res = await t.app.inject({ url: '/api/v1/cache/sessions/alice', headers: { authorization } });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        userId: fc.oneof(fc.string(), fc.constant('alice')),
        apiKey: fc.oneof(fc.string(), fc.jsonValue()),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(payload) ?? 'null',
        });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });

  it('never writes an API key, token or the admin token to the logs', async () => {
    expect(logLines.length).toBeGreaterThan(10);
    const log = logLines.join('\n');
    for (const secret of secretsSeen) expect(log).not.toContain(secret);
  });
});
