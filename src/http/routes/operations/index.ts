import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import type { Metrics } from '../../../metrics.ts';
import { type OperationsServices, registerOperationsMetrics } from '../../../operations/index.ts';
import { cleanupSchema, clearQuerySchema, clearSchema, healthSchema, statsSchema } from './schemas.ts';

export interface OperationsRoutesOptions {
  operations: OperationsServices;
  metrics: Metrics;
  version: string;
  /** How long a key count is reused: each one is a SCAN of our keys. @default 5 s */
  statsReuseMs?: number;
}

/** A result reused for `ms` and shared by concurrent callers: a flood costs one SCAN per period. */
function reused<T>(ms: number, produce: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= ms) {
      const value = produce();
      last = { at: now, value };
      // A failure is not kept: the next caller tries again.
      value.catch(() => {
        if (last?.value === value) last = null;
      });
    }
    return last.value;
  };
}

const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];

/**
 * Seed 002's cache management routes: `GET /api/v1/cache/health` (summary for anyone, the full
 * answer for admins), `GET /api/v1/cache/stats`, and the admin-only `POST /api/v1/cache/cleanup`
 * and `DELETE /api/v1/cache/clear?confirm=true`. Also puts the monitor's figures on /metrics.
 */
export async function operationsRoutes(app: FastifyInstance, opts: OperationsRoutesOptions) {
  const { service, monitor } = opts.operations;
  const names = registerOperationsMetrics(
    opts.metrics.registry,
    monitor,
    () => opts.operations.lastQueueDepths(),
    { version: opts.version },
  );
  app.addHook('onClose', async () => {
    for (const name of names) opts.metrics.registry.removeSingleMetric(name);
  });
  const reuseMs = opts.statsReuseMs ?? 5_000;
  const health = reused(reuseMs, () => service.healthCheck());
  const stats = reused(reuseMs, () => service.getCacheSummary());

  app.get(
    '/api/v1/cache/health',
    {
      schema: {
        operationId: 'getCacheHealth',
        tags: ['cache'],
        summary:
          'Cache health: status and Redis connection for anyone; Redis info, key counts and queues for admins',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (request, reply) => {
      const isAdmin = await app.callerIsAdmin(request);
      // Admins get a fresh check; anyone else shares the last one (each is a SCAN and an INFO).
      const answer = isAdmin ? await service.healthCheck() : await health();
      reply.header('cache-control', 'no-store');
      if (answer.status === 'unhealthy') reply.code(503);
      if (isAdmin) return answer;
      return { status: answer.status, redisConnected: answer.redisConnected };
    },
  );

  app.get(
    '/api/v1/cache/stats',
    {
      schema: {
        operationId: 'getCacheStats',
        tags: ['cache'],
        summary: 'Our keys per area and cache namespace, symbols cached, hit rates of every process',
        response: { 200: statsSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return stats();
    },
  );

  app.post(
    '/api/v1/cache/cleanup',
    {
      preHandler: app.adminOnly,
      schema: {
        operationId: 'cleanupExpiredData',
        tags: ['cache'],
        summary: 'Remove expired data now (dangling session entries and every registered cleanup step)',
        security,
        response: { 200: cleanupSchema },
      },
    },
    async () => service.cleanupExpiredData(),
  );

  app.delete<{ Querystring: { confirm?: string } }>(
    '/api/v1/cache/clear',
    {
      preHandler: app.adminOnly,
      schema: {
        operationId: 'clearAllCache',
        tags: ['cache'],
        summary:
          'Remove every cache key (never users, sessions, preferences, alerts, queues); needs confirm=true',
        security,
        querystring: clearQuerySchema,
        response: { 200: clearSchema },
      },
    },
    async (request) => {
      if (request.query.confirm !== 'true') {
        throw new TradecacheError(
          ErrorCodes.VALIDATION_FAILED,
          'clearing the cache needs confirm=true; nothing was deleted',
        );
      }
      return service.clearAllCache();
    },
  );
}
