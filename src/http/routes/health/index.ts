import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../../../errors.ts';
import type { RedisHealth } from '../../../redis/health.ts';

export interface HealthRoutesOptions {
  health: RedisHealth;
}

/**
 * `/health`: the process is alive (for restarts). `/ready`: Redis answers (for load balancers);
 * also reports fail-soft Redis errors, which would otherwise be invisible.
 */
export async function healthRoutes(app: FastifyInstance, opts: HealthRoutesOptions) {
  app.get(
    '/health',
    { config: { rateLimit: false }, schema: { tags: ['ops'], summary: 'Liveness' } },
    async () => ({
      status: 'ok',
      uptimeSec: Math.round(process.uptime()),
    }),
  );

  app.get(
    '/ready',
    { config: { rateLimit: false }, schema: { tags: ['ops'], summary: 'Readiness: Redis reachable' } },
    async (_request, reply) => {
      const snapshot = opts.health.snapshot();
      try {
        const latencyMs = await opts.health.ping();
        return { status: 'ready', redis: { ...snapshot, latencyMs: Math.round(latencyMs * 100) / 100 } };
      } catch (err) {
        return reply.status(503).send({
          error: {
            code: 'NOT_READY',
            message: `redis unreachable: ${opts.health.snapshot().lastError ?? errorMessage(err)}`,
            details: { redis: opts.health.snapshot() },
          },
        });
      }
    },
  );
}
