import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheEngine, cachedRepository, createCacheEngine } from '../../src/cache/index.ts';
import { responseCachePlugin } from '../../src/http/plugins/response-cache.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

const logger = pino({ level: 'silent' });
let server: TestRedis;
let engine: CacheEngine;
let app: FastifyInstance;
const clients: Redis[] = [];
let marketCalls = 0;

function connect(): Redis {
  const client = new Redis(server.url, { lazyConnect: true });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestRedis();
  const redis = connect();
  await redis.connect();
  engine = createCacheEngine({ redis, subscriber: connect, prefix: 'http:cache', logger });
  await engine.ready();
  app = Fastify();
  await app.register(responseCachePlugin, { engine });
  app.get(
    '/market/:symbol',
    { config: { responseCache: { ttlMs: 30_000, keyPrefix: 'market_data' } } },
    async (req) => {
      marketCalls += 1;
      await new Promise((r) => setTimeout(r, 30));
      return { symbol: (req.params as { symbol: string }).symbol, price: '60755.18', n: marketCalls };
    },
  );
  app.get(
    '/me/portfolio',
    {
      config: {
        responseCache: {
          ttlMs: 30_000,
          keyPrefix: 'portfolio',
          perUser: (req) => req.headers.authorization?.replace(/^Bearer /, ''),
        },
      },
    },
    async (req) => ({ owner: req.headers.authorization }),
  );
  app.get('/news', { config: { responseCache: { ttlMs: 30_000, keyPrefix: 'news' } } }, async (req) => ({
    auth: req.headers.authorization ?? null,
    cookie: req.headers.cookie ?? null,
  }));
  app.get(
    '/flaky',
    { config: { responseCache: { ttlMs: 30_000, keyPrefix: 'flaky' } } },
    async (_req, reply) => {
      marketCalls += 1;
      return reply.code(503).send({ error: 'busy' });
    },
  );
  app.get(
    '/login-banner',
    { config: { responseCache: { ttlMs: 30_000, keyPrefix: 'banner' } } },
    async (_req, reply) => {
      reply.header('set-cookie', 'sid=abc');
      return { banner: `n${++marketCalls}` };
    },
  );
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await engine.close();
  for (const c of clients) c.disconnect();
  await server.destroy();
});

describe('HTTP response cache', () => {
  it('runs the handler once for concurrent misses and answers HIT with ETag, Age and Cache-Control', async () => {
    const before = marketCalls;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => app.inject({ method: 'GET', url: '/market/BTCUSDT?b=2&a=1' })),
    );
    expect(marketCalls - before).toBe(1);
    expect(responses.every((r) => r.statusCode === 200 && r.json().symbol === 'BTCUSDT')).toBe(true);
    const hit = await app.inject({ method: 'GET', url: '/market/BTCUSDT?a=1&b=2' });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers.etag).toBeDefined();
    expect(hit.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    expect(hit.headers.age).toBeDefined();
    expect(marketCalls - before).toBe(1);
  });

  it('answers 304 when If-None-Match matches', async () => {
    const first = await app.inject({ method: 'GET', url: '/market/ETHUSDT' });
    const again = await app.inject({
      method: 'GET',
      url: '/market/ETHUSDT',
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('never serves one user the response of another', async () => {
    const alice = await app.inject({
      method: 'GET',
      url: '/me/portfolio',
      headers: { authorization: 'Bearer alice' },
    });
    const bob = await app.inject({
      method: 'GET',
      url: '/me/portfolio',
      headers: { authorization: 'Bearer bob' },
    });
    const aliceAgain = await app.inject({
      method: 'GET',
      url: '/me/portfolio',
      headers: { authorization: 'Bearer alice' },
    });
    expect(alice.json().owner).toBe('Bearer alice');
    expect(bob.json().owner).toBe('Bearer bob');
    expect(aliceAgain.json().owner).toBe('Bearer alice');
    expect(aliceAgain.headers['x-cache']).toBe('HIT');
    expect(aliceAgain.headers['cache-control']).toMatch(/^private/);
  });

  it('does not cache credentialed requests on routes without perUser', async () => {
    const withAuth = await app.inject({
      method: 'GET',
      url: '/news',
      headers: { authorization: 'Bearer carol' },
    });
    const withCookie = await app.inject({ method: 'GET', url: '/news', headers: { cookie: 'sid=dave' } });
    const anonymous = await app.inject({ method: 'GET', url: '/news' });
    expect(withAuth.headers['x-cache']).toBe('BYPASS');
    expect(withCookie.headers['x-cache']).toBe('BYPASS');
    expect(anonymous.json()).toEqual({ auth: null, cookie: null });
  });

  it('does not store non-2xx responses or responses that set cookies', async () => {
    const before = marketCalls;
    expect((await app.inject({ method: 'GET', url: '/flaky' })).statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/flaky' })).statusCode).toBe(503);
    expect(marketCalls - before).toBe(2);
    const one = await app.inject({ method: 'GET', url: '/login-banner' });
    const two = await app.inject({ method: 'GET', url: '/login-banner' });
    expect(one.json().banner).not.toBe(two.json().banner);
  });
});

describe('cached repository', () => {
  class UserRepository {
    calls = 0;
    users = new Map([['42', { id: '42', name: 'Ada' }]]);
    async getById(id: string) {
      this.calls += 1;
      return this.users.get(id) ?? null;
    }
    async rename(id: string, name: string) {
      this.users.set(id, { id, name });
    }
  }

  it('caches reads, forces fresh reads, and invalidates on writes and by pattern', async () => {
    const repo = new UserRepository();
    const users = cachedRepository(repo, {
      namespace: engine.namespace('repo'),
      prefix: 'user',
      ttlMs: 60_000,
      reads: ['getById'],
      writes: { rename: (args) => ({ reads: [['getById', [args[0]]]] }) },
    });
    expect(await users.getById('42')).toEqual({ id: '42', name: 'Ada' });
    expect(await users.getById('42')).toEqual({ id: '42', name: 'Ada' });
    expect(repo.calls).toBe(1);
    await users.withOptions({ useCache: false }).getById('42');
    expect(repo.calls).toBe(2);

    await users.rename('42', 'Grace');
    expect(await users.getById('42')).toEqual({ id: '42', name: 'Grace' });
    expect(repo.calls).toBe(3);

    repo.users.set('42', { id: '42', name: 'Linus' });
    expect(await users.invalidateCache('getById*')).toBe(1);
    expect(await users.getById('42')).toEqual({ id: '42', name: 'Linus' });
    expect(repo.calls).toBe(4);
  });
});
