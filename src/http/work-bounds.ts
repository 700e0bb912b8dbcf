import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/types.ts';

/**
 * The most work one request to each route can cause, keyed `METHOD path` as routes are
 * declared. Shown in `/openapi.json` (appended to each route's description) and mirrored by the
 * README's "Work bounds" table; a test checks every documented route has one, so a new route
 * states its bound or fails the build.
 */
export function workBounds(
  config: Pick<Config, 'history' | 'auth' | 'market' | 'alerts' | 'webSocket'>,
): Record<string, string> {
  const h = config.history;
  const heavy =
    `at most ${h.maxCandles} candles per request (HISTORY_MAX_CANDLES, 400 past it before any fetch); ` +
    `an exchange fetch or a backtest takes one of ${h.maxConcurrent} slots per process ` +
    `(${h.maxQueued} more wait; 503 SERVER_BUSY with Retry-After past them) and, anonymous, one of ` +
    `${h.anonymousPerMinute} per address per minute (429 past them)`;
  return {
    'GET /health': 'constant answer, no I/O.',
    'GET /ready': 'one Redis PING with a 500 ms deadline.',
    'GET /metrics': 'the fixed metric set from process memory; never a Redis call.',
    'GET /api/v1/symbols/:market':
      'one cached list; on a miss, one exchangeInfo fetch shared by every caller in every process.',
    'POST /api/v1/auth/login':
      'a body ≤ 4 KiB, one key check and two Redis scripts; failed logins are limited per user id and address and per address.',
    'POST /api/v1/auth/logout': 'one session deleted.',
    'GET /api/v1/cache/sessions/:userId': `at most ${config.auth.maxSessionsPerUser} sessions (MAX_SESSIONS_PER_USER).`,
    'DELETE /api/v1/cache/sessions/:userId': `at most ${config.auth.maxSessionsPerUser} sessions deleted.`,
    'GET /api/v1/users/me/preferences': 'one cached document of bounded size.',
    'PUT /api/v1/users/me/preferences': 'one document, size bounded by its schema.',
    'GET /api/v1/dashboard': 'admin only; fixed sections, Redis reads bounded at 2 s.',
    'GET /dashboard': 'a static page.',
    'GET /dashboard/login':
      'one single-use code looked up and deleted in process memory; sets the session cookie.',
    'GET /api/v1/backtest/cache/info': 'one listing of the kline store (one stat per file).',
    'POST /api/v1/backtest/cache/clear': 'admin only; one pass over the kline store files.',
    'GET /api/v1/backtest/data': `${heavy}; answers over 4 MiB are streamed, never built whole or cached.`,
    'POST /api/v1/backtest/run': `${heavy}.`,
    'GET /api/v1/cache/market-data/:symbol': `one Redis pipeline; at most ${config.market.orderBookDepth} book levels a side and ${config.market.tradesKept} trades.`,
    'GET /api/v1/cache/price/:symbol': 'one Redis pipeline: the price and two O(log n) series lookups.',
    'GET /api/v1/cache/symbols':
      "one Redis read of the market's priced symbols (the exchange's symbol count).",
    'GET /api/v1/market/:symbol/ohlcv': 'at most 1000 candles (limit), one O(log n + k) range read.',
    'GET /api/v1/market/:symbol/history': 'at most 1000 ticks (limit), one O(log n + k) range read.',
    'GET /api/v1/cache/health':
      'anonymous: a summary reused for 5 s; admin: one INFO and one SCAN of our keys, stopped after 2 s or a million keys.',
    'GET /api/v1/cache/stats': 'one SCAN of our keys (stopped after 2 s or a million keys), reused for 5 s.',
    'POST /api/v1/cache/cleanup':
      'admin only; the registered cleanup steps, each bounded by its own batches.',
    'DELETE /api/v1/cache/clear':
      'admin only; SCAN + UNLINK of our cache keys in batches of 500, stopped after 10 s.',
    'POST /api/v1/cache/price-alert': `one small body and two Lua scripts; at most ${config.alerts.maxAlertsPerUser} active alerts per user (409 past it).`,
    'GET /api/v1/cache/price-alerts': `at most ${config.alerts.maxAlertsPerUser} active alerts, plus the triggered ones the user keeps.`,
    'DELETE /api/v1/cache/price-alert/:id': 'one alert removed by one Lua script.',
    'GET /api/v1/users/me/notifications': 'at most 500 notifications (limit), one range read.',
    'GET /api/v1/ws': `one socket: at most ${config.webSocket.maxChannels} channels, ${config.webSocket.messagesPerSecond} client messages a second, a send buffer of ${config.webSocket.maxBufferedBytes} bytes (cut off past it).`,
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
