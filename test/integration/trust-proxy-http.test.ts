import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let dataDir: string;

beforeAll(async () => {
  server = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-trust-proxy-'));
});
afterAll(async () => {
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

/** The real config path: TRUST_PROXY read by loadConfig, handed to Fastify by buildServer. */
async function appWith(env: Record<string, string>): Promise<TestApp> {
  return startTestApp({ REDIS_URL: server.url, TRADECACHE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env });
}

const remaining = (res: { headers: Record<string, unknown> }) => Number(res.headers['x-ratelimit-remaining']);

let users = 0;
async function loginCookie(app: TestApp, headers: Record<string, string>): Promise<string> {
  users += 1;
  const userId = `proxied${users}`;
  const apiKey = await app.ctx.sessions.users.addUser(userId);
  const res = await app.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { userId, apiKey },
    headers,
  });
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']);
}

describe('TRUST_PROXY', () => {
  it('with a hop count, keys the per-IP limit on X-Forwarded-For and marks the cookie Secure for https', async () => {
    const app = await appWith({ TRUST_PROXY: '1' });
    try {
      const from = (ip: string) =>
        app.http.inject({ url: '/api/v1/cache/symbols', headers: { 'x-forwarded-for': ip } });
      const a1 = await from('203.0.113.7');
      const a2 = await from('203.0.113.7');
      const b1 = await from('198.51.100.9');
      expect(remaining(a2)).toBe(remaining(a1) - 1);
      // Another client behind the same proxy has its own budget.
      expect(remaining(b1)).toBe(remaining(a1));

      expect(await loginCookie(app, { 'x-forwarded-proto': 'https' })).toMatch(/; Secure/);
      expect(await loginCookie(app, { 'x-forwarded-proto': 'http' })).not.toMatch(/Secure/);
    } finally {
      await app.close();
    }
  });

  it('is off by default: forwarded headers are ignored', async () => {
    const app = await appWith({});
    try {
      const from = (ip: string) =>
        app.http.inject({ url: '/api/v1/cache/symbols', headers: { 'x-forwarded-for': ip } });
      const a1 = await from('203.0.113.70');
      const b1 = await from('198.51.100.90');
      // Both are the socket's peer: one budget.
      expect(remaining(b1)).toBe(remaining(a1) - 1);
      expect(await loginCookie(app, { 'x-forwarded-proto': 'https' })).not.toMatch(/Secure/);
    } finally {
      await app.close();
    }
  });

  it('trusts only the listed proxy addresses', async () => {
    const listed = await appWith({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' });
    const other = await appWith({ TRUST_PROXY: '10.0.0.0/8' });
    try {
      const from = (app: TestApp, ip: string) =>
        app.http.inject({ url: '/api/v1/cache/symbols', headers: { 'x-forwarded-for': ip } });
      // inject's peer is 127.0.0.1: listed in the first app, not in the second.
      const l1 = await from(listed, '203.0.113.71');
      const l2 = await from(listed, '198.51.100.91');
      expect(remaining(l2)).toBe(remaining(l1));
      const o1 = await from(other, '203.0.113.72');
      const o2 = await from(other, '198.51.100.92');
      expect(remaining(o2)).toBe(remaining(o1) - 1);
    } finally {
      await listed.close();
      await other.close();
    }
  });

  it('refuses a value that is no hop count, boolean or address list, naming the variable', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,::1' }).http.trustProxy).toEqual(['10.0.0.0/8', '::1']);
    for (const bad of ['proxy.example', '10.0.0.0/33', '1.2.3.4/8/9', '101']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/invalid TRUST_PROXY/);
    }
  });
});
