import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/types.ts';

/**
 * The most work one request to each route can cause, keyed `METHOD path` as routes are
 * declared. Shown in `/openapi.json` (appended to each route's description) and mirrored by the
 * README's "Work bounds" table; a test checks every documented route has one, so a new route
 * states its bound or fails the build.
 */
export function workBounds(config: Pick<Config, 'history' | 'auth'>): Record<string, string> {
  const h = config.history;
  const heavy =
    `at most ${h.maxCandles} candles per request (HISTORY_MAX_CANDLES, 400 past it before any fetch); ` +
    `an exchange fetch or a backtest takes one of ${h.maxConcurrent} slots per process ` +
    `(${h.maxQueued} more wait; 503 SERVER_BUSY with Retry-After past them) and, anonymous, one of ` +
    `${h.anonymousPerMinute} per address per minute (429 past them)`;
  return {
    'GET /health': 'constant answer, no I/O.',
    'GET /ready': 'one Redis PING, bounded by REDIS_COMMAND_TIMEOUT_MS.',
    'GET /metrics': 'the fixed metric set and one counter read per market.',
    'GET /api/v1/symbols/:market':
      'one cached list; on a miss, one exchangeInfo fetch shared by every caller in every process.',
    'POST /api/v1/auth/login': 'a body ≤ 1 MiB, one key check; ≤ 10 attempts per minute per user and per IP.',
    'POST /api/v1/auth/logout': 'one session deleted.',
    'GET /api/v1/cache/sessions/:userId': `at most ${config.auth.maxSessionsPerUser} sessions (MAX_SESSIONS_PER_USER).`,
    'DELETE /api/v1/cache/sessions/:userId': `at most ${config.auth.maxSessionsPerUser} sessions deleted.`,
    'GET /api/v1/users/me/preferences': 'one cached document of bounded size.',
    'PUT /api/v1/users/me/preferences': 'one document, size bounded by its schema.',
    'GET /api/v1/dashboard': 'admin only; fixed sections, Redis reads bounded at 2 s.',
    'GET /dashboard': 'a static page.',
    'GET /api/v1/backtest/cache/info': 'one listing of the kline store (one stat per file).',
    'POST /api/v1/backtest/cache/clear': 'admin only; one pass over the kline store files.',
    'GET /api/v1/backtest/data': `${heavy}; answers over 4 MiB are streamed, never built whole or cached.`,
    'POST /api/v1/backtest/run': `${heavy}.`,
  };
}

/** Appends each route's bound from {@link workBounds} to its OpenAPI description. */
export const workBoundsPlugin = fp(
  async (app: FastifyInstance, opts: { bounds: Record<string, string> }) => {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const bound = methods.map((m) => opts.bounds[`${m} ${route.url}`]).find((b) => b !== undefined);
      if (bound === undefined) return;
      // The same schema object the OpenAPI generator keeps, so the text shows in /openapi.json.
      route.schema ??= {};
      const schema = route.schema as { description?: string };
      const line = `Work bound: ${bound}`;
      schema.description = schema.description ? `${schema.description}\n\n${line}` : line;
    });
  },
  { name: 'tradecache-work-bounds' },
);
