import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.ts';
import { isCluster } from '../redis/client.ts';
import { clusterNodeRows } from '../redis/cluster-nodes.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorHandlerPlugin } from './plugins/error-handler.ts';
import { finiteNumbersPlugin } from './plugins/finite-numbers.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { rateLimitPlugin } from './plugins/rate-limit.ts';
import { requestMetricsPlugin } from './plugins/request-metrics.ts';
import { responseCachePlugin } from './plugins/response-cache.ts';
import { alertRoutes } from './routes/alerts/index.ts';
import { authRoutes } from './routes/auth/index.ts';
import { heavyWorkAdmission } from './routes/backtest/admission.ts';
import { backtestRoutes } from './routes/backtest/index.ts';
import { dashboardRoutes, packageVersion } from './routes/dashboard/index.ts';
import { loginLinksFor } from './routes/dashboard/login-links.ts';
import { healthRoutes } from './routes/health/index.ts';
import { jobBoardRoutes } from './routes/job-board/index.ts';
import { marketCacheRoutes } from './routes/market-cache/index.ts';
import { marketSeriesRoutes } from './routes/market-series/index.ts';
import { metricsRoutes } from './routes/metrics/index.ts';
import { operationsRoutes } from './routes/operations/index.ts';
import { sessionRoutes } from './routes/sessions/index.ts';
import { symbolsRoutes } from './routes/symbols/index.ts';
import { userRoutes } from './routes/users/index.ts';
import { workBounds, workBoundsPlugin } from './work-bounds.ts';
import { WorkSlots } from './work-slots.ts';
import { webSocketRoutes } from './ws/plugin.ts';

export type HttpDeps = Pick<
  AppContext,
  | 'scrubber'
  | 'warnings'
  | 'metrics'
  | 'health'
  | 'redis'
  | 'symbols'
  | 'market'
  | 'alerts'
  | 'tradableSymbols'
  | 'realtime'
  | 'sessions'
  | 'history'
  | 'cache'
  | 'role'
  | 'jobs'
  | 'config'
  | 'operations'
>;

/**
 * The HTTP API as a plugin that receives its dependencies; it never listens (server.ts does),
 * so tests register it on a fresh Fastify and use `inject()` or a real port.
 */
export async function httpApp(app: FastifyInstance, deps: HttpDeps) {
  await app.register(errorHandlerPlugin, { scrubber: deps.scrubber, warnings: deps.warnings });
  await app.register(requestMetricsPlugin, { metrics: deps.metrics });
  await app.register(finiteNumbersPlugin);
  await app.register(openapiPlugin, { version: packageVersion() });
  await app.register(workBoundsPlugin, { bounds: workBounds(deps.config) });
  // Rate limits before auth: a flood of bad tokens is refused before it costs a session lookup.
  await app.register(rateLimitPlugin, {
    limiter: deps.sessions.limiter,
    perIp: { limit: deps.config.http.limits.ratePerMinute, windowSec: 60 },
  });
  await app.register(authPlugin, { authenticator: deps.sessions.authenticator });
  // Before the routes: it wraps the handlers of routes declaring `config.responseCache`.
  await app.register(responseCachePlugin, { engine: deps.cache });

  await app.register(healthRoutes, { health: deps.health });
  await app.register(metricsRoutes, {
    metrics: deps.metrics,
    symbols: deps.symbols,
    health: deps.health,
    token: deps.config.auth.metricsToken,
  });
  await app.register(symbolsRoutes, { symbols: deps.symbols });
  await app.register(marketCacheRoutes, { market: deps.market });
  await app.register(marketSeriesRoutes, { market: deps.market });
  await app.register(operationsRoutes, {
    operations: deps.operations,
    metrics: deps.metrics,
    version: packageVersion(),
  });
  await app.register(authRoutes, { limiter: deps.sessions.loginLimiter, metrics: deps.metrics });
  await app.register(sessionRoutes, { sessions: deps.sessions.sessions });
  await app.register(userRoutes, { preferences: deps.sessions.preferences });
  const limits = deps.config.history;
  await app.register(alertRoutes, { alerts: deps.alerts, symbols: deps.tradableSymbols });
  await app.register(webSocketRoutes, { hub: deps.realtime.hub });
  await app.register(backtestRoutes, {
    backtest: deps.history.backtest,
    store: deps.history.store,
    adminGuard: app.adminOnly,
    isAdmin: app.callerIsAdmin,
    maxCandles: limits.maxCandles,
    admission: heavyWorkAdmission({
      slots: new WorkSlots(limits.maxConcurrent, limits.maxQueued),
      authenticate: app.authenticated,
      // Across processes (Redis), and refused while Redis is down: an outage must not open the
      // exchange's shared request weight to anonymous callers.
      anonymousBudget:
        limits.anonymousPerMinute === 0
          ? 'signed-in-only'
          : app.rateLimit({
              action: 'backtest',
              limit: limits.anonymousPerMinute,
              windowSec: 60,
              by: ['ip'],
              failMode: 'closed',
            }),
    }),
  });
  // Processes without a job runtime (one-shot tools) have no queues to show.
  if (deps.jobs) {
    await app.register(jobBoardRoutes, { queues: [deps.jobs.queue], isAdmin: app.callerIsAdmin });
  }
  // Only these narrowed values reach the dashboard: never the config object or the Redis URL.
  const { redis } = deps;
  await app.register(dashboardRoutes, {
    adminGuard: app.adminOnly,
    health: deps.operations.service,
    watchedSymbols: deps.config.feed.watchSymbols,
    loginLinks: loginLinksFor(deps.sessions),
    // One sample per monitor round (MONITOR_INTERVAL_MS, a minute by default), an hour's worth.
    samples: {
      cache: deps.cache,
      monitor: deps.operations.monitor,
      intervalMs: deps.config.operations.monitorIntervalMs,
      capacity: Math.min(720, Math.ceil(3_600_000 / deps.config.operations.monitorIntervalMs)),
    },
    sources: {
      service: {
        role: deps.role,
        version: packageVersion(),
        startedAt: Date.now() - process.uptime() * 1000,
      },
      redis: {
        tls: deps.config.redis.tls,
        health: deps.health,
        ...(isCluster(redis) ? { clusterNodes: () => clusterNodeRows(redis) } : {}),
      },
      cache: deps.cache,
      symbols: deps.symbols,
      jobs: deps.jobs,
      scrubber: deps.scrubber,
    },
  });
}
