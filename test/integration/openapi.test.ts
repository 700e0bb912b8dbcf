import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

let server: TestRedis;
let exchange: ReplayServer;
let dataDir: string;
let app: TestApp;

beforeAll(async () => {
  server = await startTestRedis();
  exchange = await startReplayServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-openapi-'));
  app = await startTestApp({
    REDIS_URL: server.url,
    BINANCE_SPOT_URL: exchange.url,
    BINANCE_FUTURES_URL: exchange.url,
    TRADECACHE_DATA_DIR: dataDir,
    ADMIN_TOKEN: `adm_${randomBytes(24).toString('hex')}`,
  });
});
afterAll(async () => {
  await app?.close();
  await exchange?.close();
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

type Operation = {
  operationId?: string;
  responses: Record<string, unknown>;
  requestBody?: unknown;
  security?: unknown;
};

async function document() {
  const res = await app.http.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json() as {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  };
}

const operations = (doc: Awaited<ReturnType<typeof document>>) =>
  Object.entries(doc.paths).flatMap(([url, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ url, method, op })),
  );

describe('/openapi.json', () => {
  it('passes the OpenAPI schema validator', async () => {
    const doc = await document();
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('declares Bearer and cookie security, a unique operationId per route and one shared error answer', async () => {
    const doc = await document();
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'tc_session' },
    });
    expect(doc.components.schemas.ErrorResponse).toBeDefined();
    const ops = operations(doc);
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of ops) {
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '500']));
    }
  });

  it('documents the cache routes with their guards and the login request body', async () => {
    const doc = await document();
    expect(doc.paths['/api/v1/cache/health']?.get?.operationId).toBe('getCacheHealth');
    expect(doc.paths['/api/v1/cache/stats']?.get).toBeDefined();
    const clear = doc.paths['/api/v1/cache/clear']?.delete;
    expect(clear?.operationId).toBe('clearAllCache');
    expect(Object.keys(clear?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(doc.paths['/api/v1/cache/cleanup']?.post?.security).toBeDefined();
    const login = doc.paths['/api/v1/auth/login']?.post;
    expect(login?.requestBody).toBeDefined();
  });
});

describe('/docs', () => {
  it('serves Swagger UI from our own files under a strict CSP', async () => {
    const res = await app.http.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(res.body).not.toMatch(/https?:\/\//);
    const bundle = await app.http.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
  });
});
