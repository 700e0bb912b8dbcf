import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SESSION_COOKIE } from './auth.ts';

/** `$id` of the one error answer every route shares: `{ error: { code, message } }`. */
export const ERROR_SCHEMA_ID = 'ErrorResponse';

const errorSchema = {
  $id: ERROR_SCHEMA_ID,
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable machine-readable code, e.g. VALIDATION_FAILED' },
        message: { type: 'string', description: 'What went wrong, for a person' },
      },
    },
  },
  example: { error: { code: 'VALIDATION_FAILED', message: 'querystring/limit must be <= 1000' } },
} as const;

const errorAnswer = (description: string) => ({ description, $ref: `${ERROR_SCHEMA_ID}#` });

/** The error answers any route can give, added to each route's documented responses. */
const COMMON_ERRORS = {
  400: errorAnswer('Bad input: nothing was changed'),
  429: errorAnswer('Rate limited'),
  500: errorAnswer('Internal error'),
  503: errorAnswer('Redis or an upstream is unavailable'),
} as const;
const AUTH_ERRORS = {
  401: errorAnswer('Credentials missing or invalid'),
  403: errorAnswer('Not allowed for this caller'),
} as const;

/**
 * Strict CSP of the Swagger UI pages: its scripts and styles are our own static files, requests
 * go to this origin only. Swagger UI sets a few inline `style` attributes (`style-src-attr
 * 'unsafe-inline'`) and renders one fixed `<style>` element, allowed by its hash (a new
 * @fastify/swagger-ui version may change it: the /docs browser test then fails).
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * OpenAPI 3.1 document built from the route schemas, served at `/openapi.json`, and Swagger UI
 * at `/docs` from the package's own files (no CDN). 3.1 because the route schemas are JSON
 * Schema (`type: ['string', 'null']`, numeric `exclusiveMinimum`), which 3.0.3 rejects.
 */
export const openapiPlugin = fp(
  async (app: FastifyInstance, opts: { version: string }) => {
    app.addSchema(errorSchema);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'tradecache',
          description: 'Cache and messaging layer of a crypto trading platform',
          version: opts.version,
        },
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description: 'A session token from POST /api/v1/auth/login, or the ADMIN_TOKEN',
            },
            sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          },
        },
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      transform: ({ schema, url, route }) => {
        if (!schema || schema.hide) return { schema, url };
        const guarded = (route.preHandler ?? route.onRequest) !== undefined;
        const operationId = schema.operationId ?? operationIdOf(route.method, url);
        return {
          schema: {
            ...schema,
            operationId,
            response: { ...COMMON_ERRORS, ...(guarded ? AUTH_ERRORS : {}), ...(schema.response ?? {}) },
          },
          url,
        };
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_CSP,
      uiConfig: { deepLinking: false, validatorUrl: null },
    });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'tradecache-openapi' },
);

/** `GET /api/v1/cache/sessions/:userId` → `getApiV1CacheSessionsByUserId`: unique per route. */
export function operationIdOf(method: string | string[], url: string): string {
  const verb = (Array.isArray(method) ? (method[0] ?? 'get') : method).toLowerCase();
  const words = url
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By-${part.slice(1)}` : part))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return verb + words.join('');
}
