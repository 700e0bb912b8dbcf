import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '../../../errors.ts';
import type { NotReadyReason, RedisHealth } from '../../../redis/health.ts';
import type { ErrorBody } from '../../errors.ts';

export interface HealthRoutesOptions {
  health: RedisHealth;
}

/**
 * PING deadline of `/ready`: well under the 1 s in which a probe must answer whatever Redis
 * does (a paused Redis accepts the command and never replies).
 */
const READY_PING_TIMEOUT_MS = 500;

const NOT_READY_MESSAGES: Readonly<Record<NotReadyReason, string>> = {
  REDIS_DISCONNECTED: 'redis connection is down',
  REDIS_TIMEOUT: 'redis did not answer in time',
  REDIS_ERROR: 'redis answered with an error',
};

/**
 * `/health`: the process is alive (for restarts). `/ready`: Redis answers now (for load
 * balancers), with one coarse reason when not. Admins (admin token or admin user) also get the
 * details: connection state, fail-soft failure count, last error and PING latency, which tell
 * an attacker too much to be public.
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
    {
      config: { rateLimit: false },
      schema: {
        tags: ['ops'],
        summary: 'Readiness: Redis answers now (details for admins)',
      },
    },
    async (request, reply) => {
      const [readiness, admin] = await Promise.all([
        opts.health.probe(READY_PING_TIMEOUT_MS),
        app.callerIsAdmin(request),
      ]);
      reply.header('cache-control', 'no-store');
      const details = () => {
        // `connection` is the client's state, not the verdict: it can be "ready" while PINGs time out.
        const { status, ...snapshot } = opts.health.snapshot();
        return {
          ...snapshot,
          connection: status,
          ...(readiness.ready
            ? { latencyMs: Math.round(readiness.latencyMs * 100) / 100 }
            : { cause: readiness.cause }),
        };
      };
      if (readiness.ready) return admin ? { status: 'ready', redis: details() } : { status: 'ready' };
      return reply.status(503).send({
        error: {
          code: ErrorCodes.NOT_READY,
          message: NOT_READY_MESSAGES[readiness.reason],
          details: admin ? { reason: readiness.reason, redis: details() } : { reason: readiness.reason },
        },
      } satisfies ErrorBody);
    },
  );
}
