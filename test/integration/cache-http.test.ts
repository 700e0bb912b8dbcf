import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheEngine, cachedRepository, createCacheEngine } from '../../src/cache/index.ts';
import { responseCachePlugin } from '../../src/http/plugins/response-cache.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

const logger = pino({ level: 'silent' });
let server: TestRedis;
let engine: CacheEngine;
let app: FastifyInstance;
const clients: RedisClient[] = [];
let marketCalls = 0;
/** When set, the engine's clock stands still there: a test ages an entry without sleeping. */
const clock: { fixedMs?: number } = {};

function track(client: RedisClient): RedisClient {
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestRedis();
  const redis = track(server.client());
  await redis.connect();
  engine = createCacheEngine({
    redis,
    // The bus connection as the product opens it (on a Cluster: one node).
    subscriber: () => track(server.subscriber()),
    prefix: 'http:cache',
    logger,
    now: () => clock.fixedMs ?? Date.now(),
  });
  await engine.ready();
  app = Fastify();
  await app.register(cookie);
  let requestSeq = 0;
  // Like the rate limiter: a per-exchange header set before the handler, never to be replayed.
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('x-request-seq', String(++requestSeq));
  });
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
  app.get(
    '/quotes/:symbol',
    { config: { responseCache: { ttlMs: 30_000, keyPrefix: 'quotes' } } },
    async (req, reply) => {
      marketCalls += 1;
      reply.header('content-disposition', 'inline; filename="quotes.json"');
      return { symbol: (req.params as { symbol: string }).symbol, query: req.query, n: marketCalls };
    },
  );
  app.get(
    '/session-banner',
    { config: { responseCache: { ttlMs: 30_000, keyPrefix: 'banner' } } },
    async (_req, reply) => {
      const n = ++marketCalls;
      await new Promise((r) => setTimeout(r, 30));
      reply.setCookie('seen', `n${n}`);
      return { banner: `n${n}` };
    },
  );
  app.get(
    '/missing/:id',
    { config: { responseCache: { ttlMs: 30_000, keyPrefix: 'missing' } } },
    async (_req, reply) => {
      marketCalls += 1;
      reply.code(404);
      return { error: { code: 'NOT_FOUND', n: marketCalls } };
    },
  );
  app.get(
    '/depth',
    { config: { responseCache: { ttlMs: 30_000, keyPrefix: 'depth', maxBodyBytes: 100 } } },
    async () => ({ bids: 'x'.repeat(200), n: ++marketCalls }),
  );
  app.get(
    '/feed',
    {
      config: {
        responseCache: {
          ttlMs: 30_000,
          keyPrefix: 'feed',
          vary: [{ header: 'accept', normalise: (v) => (v?.includes('text/csv') ? 'csv' : 'json') }],
        },
      },
    },
    async (req, reply) => {
      marketCalls += 1;
      if (req.headers.accept?.includes('text/csv')) {
        reply.type('text/csv; charset=utf-8');
        return `n\n${marketCalls}\n`;
      }
      return { n: marketCalls };
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
    expect(aliceAgain.headers['cache-control']).toBe('private, no-cache');
    expect(aliceAgain.headers.vary).toBe('authorization, cookie');
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

  it('does not store a 404 returned by the handler', async () => {
    const one = await app.inject({ method: 'GET', url: '/missing/1' });
    const two = await app.inject({ method: 'GET', url: '/missing/1' });
    expect([one.statusCode, two.statusCode]).toEqual([404, 404]);
    expect(two.json().error.n).toBe(one.json().error.n + 1);
    expect(two.headers['x-cache']).not.toBe('HIT');
    expect(two.headers.etag).toBeUndefined();
  });

  it('does not store a response whose cookie is set with reply.setCookie', async () => {
    const one = await app.inject({ method: 'GET', url: '/session-banner' });
    const two = await app.inject({ method: 'GET', url: '/session-banner' });
    expect(String(one.headers['set-cookie'])).toMatch(/^seen=/);
    expect(two.json().banner).not.toBe(one.json().banner);
    expect(two.headers['set-cookie']).not.toBe(one.headers['set-cookie']);
  });

  it('runs the handler for each concurrent request when the answer is not shareable', async () => {
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/session-banner' })),
    );
    const banners = responses.map((r) => r.json().banner);
    expect(new Set(banners).size).toBe(5);
    for (const r of responses) expect(String(r.headers['set-cookie'])).toMatch(`seen=${r.json().banner};`);
  });

  it('never caches an anonymous request to a per-user route', async () => {
    const one = await app.inject({ method: 'GET', url: '/me/portfolio' });
    const two = await app.inject({ method: 'GET', url: '/me/portfolio' });
    expect(one.headers['x-cache']).toBe('BYPASS');
    expect(two.headers['x-cache']).toBe('BYPASS');
  });

  it('keys on sorted query keys but keeps the order of repeated values', async () => {
    const sorted = await app.inject({ method: 'GET', url: '/quotes/BTC?limit=5&sort=a&sort=b' });
    const reordered = await app.inject({ method: 'GET', url: '/quotes/BTC?sort=a&limit=5&sort=b' });
    const encoded = await app.inject({ method: 'GET', url: '/quotes/BTC?%6Cimit=5&sort=a&sort=%62' });
    const swapped = await app.inject({ method: 'GET', url: '/quotes/BTC?limit=5&sort=b&sort=a' });
    expect(sorted.headers['x-cache']).toBe('MISS');
    expect(reordered.headers['x-cache']).toBe('HIT');
    expect(encoded.headers['x-cache']).toBe('HIT');
    expect(swapped.headers['x-cache']).toBe('MISS');
    expect(swapped.json().query.sort).toEqual(['b', 'a']);
  });

  it('serves HEAD from the entry GET stored, and GET from one HEAD stored', async () => {
    const before = marketCalls;
    const head = await app.inject({ method: 'HEAD', url: '/quotes/SOL' });
    const get = await app.inject({ method: 'GET', url: '/quotes/SOL' });
    const headAgain = await app.inject({ method: 'HEAD', url: '/quotes/SOL' });
    expect(marketCalls - before).toBe(1);
    expect(head.body).toBe('');
    expect(get.headers['x-cache']).toBe('HIT');
    expect(get.json().symbol).toBe('SOL');
    expect(headAgain.headers['x-cache']).toBe('HIT');
    expect(headAgain.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(headAgain.headers.etag).toBe(get.headers.etag);
  });

  it("replays the handler's own headers but not per-request ones", async () => {
    const miss = await app.inject({ method: 'GET', url: '/quotes/ADA' });
    const hit = await app.inject({ method: 'GET', url: '/quotes/ADA' });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-disposition']).toBe('inline; filename="quotes.json"');
    expect(Number(hit.headers['x-request-seq'])).toBe(Number(miss.headers['x-request-seq']) + 1);
  });

  it('answers 304 to a weak, listed or wildcard If-None-Match, 200 to another tag', async () => {
    const { etag } = (await app.inject({ method: 'GET', url: '/quotes/DOT' })).headers;
    for (const ifNoneMatch of [`W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await app.inject({
        method: 'GET',
        url: '/quotes/DOT',
        headers: { 'if-none-match': ifNoneMatch },
      });
      expect(res.statusCode, ifNoneMatch).toBe(304);
      expect(res.headers.etag).toBe(etag);
    }
    const other = await app.inject({
      method: 'GET',
      url: '/quotes/DOT',
      headers: { 'if-none-match': '"x"' },
    });
    expect(other.statusCode).toBe(200);
  });

  it('reports the entry age in Age and the remaining freshness in max-age', async () => {
    clock.fixedMs = Date.now();
    try {
      await app.inject({ method: 'GET', url: '/quotes/XRP' });
      clock.fixedMs += 7_500;
      const hit = await app.inject({ method: 'GET', url: '/quotes/XRP' });
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.headers.age).toBe('7');
      expect(hit.headers['cache-control']).toBe('public, max-age=22');
    } finally {
      clock.fixedMs = undefined;
    }
  });

  it('stores each declared Vary variant apart', async () => {
    const json = await app.inject({ method: 'GET', url: '/feed', headers: { accept: 'application/json' } });
    const csv = await app.inject({ method: 'GET', url: '/feed', headers: { accept: 'text/csv' } });
    const csvAgain = await app.inject({
      method: 'GET',
      url: '/feed',
      headers: { accept: 'text/csv;q=0.9, */*;q=0.1' },
    });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(csv.headers['x-cache']).toBe('MISS');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csvAgain.headers['x-cache']).toBe('HIT');
    expect(csvAgain.body).toBe(csv.body);
    expect(csv.headers.vary).toBe('accept');
  });

  it('serves but does not store a body over maxBodyBytes', async () => {
    const one = await app.inject({ method: 'GET', url: '/depth' });
    const two = await app.inject({ method: 'GET', url: '/depth' });
    expect(one.statusCode).toBe(200);
    expect(two.json().n).toBe(one.json().n + 1);
  });

  it('forgets a key prefix, or one user of it, on invalidation', async () => {
    await app.inject({ method: 'GET', url: '/quotes/LTC' });
    expect((await app.inject({ method: 'GET', url: '/quotes/LTC' })).headers['x-cache']).toBe('HIT');
    await app.responseCache?.invalidate('quotes');
    expect((await app.inject({ method: 'GET', url: '/quotes/LTC' })).headers['x-cache']).toBe('MISS');

    const as = (user: string) => ({ authorization: `Bearer ${user}` });
    await app.inject({ method: 'GET', url: '/me/portfolio', headers: as('erin') });
    await app.inject({ method: 'GET', url: '/me/portfolio', headers: as('frank') });
    await app.responseCache?.invalidateUser('portfolio', 'erin');
    const erin = await app.inject({ method: 'GET', url: '/me/portfolio', headers: as('erin') });
    const frank = await app.inject({ method: 'GET', url: '/me/portfolio', headers: as('frank') });
    expect(erin.headers['x-cache']).toBe('MISS');
    expect(frank.headers['x-cache']).toBe('HIT');
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
