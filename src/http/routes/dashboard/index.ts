import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { CacheService } from '../../../operations/index.ts';
import { dashboardAssetRoutes } from './assets.ts';
import { loadDashboardPage } from './dashboard-page.ts';
import { loginLinkRoutes, type OneTimeLogins } from './login-links.ts';
import { DashboardSampleRing, type SampleRingOptions, type SampleSources } from './samples.ts';
import { dashboardAnswerSchema } from './schemas-ops.ts';
import { type DashboardSources, dashboardSnapshot } from './snapshot.ts';

export { packageVersion } from '../../../package-version.ts';

export interface DashboardRoutesOptions {
  sources: DashboardSources;
  /** Guards the JSON (`app.adminOnly`). */
  adminGuard: preHandlerHookHandler;
  /** The cache health answer (banner, key counts, queues). */
  health: Pick<CacheService, 'healthCheck'>;
  /** Symbols the live feed watches (the picker's suggestions); null: the feed picks them. */
  watchedSymbols: readonly string[] | null;
  /** One-time login codes (`tradecache demo` prints one). */
  loginLinks: OneTimeLogins;
  /** Where the chart samples come from (in-memory figures only). */
  samples: SampleSources & SampleRingOptions;
}

/**
 * `GET /dashboard` (a static HTML page, public: it holds no data) and `GET /api/v1/dashboard`
 * (the data it polls, admin only).
 *
 * Why admin only: nothing in it is user data or a secret, but all of it is reconnaissance —
 * Redis errors naming hosts, failure and error counts that show when an attack starts to bite,
 * job schedules saying when the exchange is called, the namespaces and hit rates of logins and
 * sessions, versions. That is for the operator, who has ADMIN_TOKEN (or an admin session), and
 * not for every client that can reach the public API on the same port.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: DashboardRoutesOptions) {
  const page = loadDashboardPage();
  const ring = new DashboardSampleRing(opts.samples, opts.samples);
  ring.start();
  app.addHook('onClose', async () => ring.stop());
  await app.register(dashboardAssetRoutes);
  await app.register(loginLinkRoutes, { links: opts.loginLinks });

  app.get(
    '/api/v1/dashboard',
    {
      preHandler: opts.adminGuard,
      schema: {
        tags: ['ops'],
        summary: 'Operator dashboard data: service, Redis, cache engine, symbols, jobs (admin)',
        response: { 200: dashboardAnswerSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const [snapshot, health] = await Promise.all([
        dashboardSnapshot(opts.sources),
        opts.health.healthCheck(),
      ]);
      return {
        ...snapshot,
        health,
        samples: ring.samples(),
        market: { watched: [...(opts.watchedSymbols ?? [])] },
      };
    },
  );

  app.get(
    '/dashboard',
    { schema: { tags: ['ops'], summary: 'Operator dashboard page (HTML; polls /api/v1/dashboard)' } },
    async (_request, reply) =>
      reply
        .header('content-security-policy', page.csp)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(page.html),
  );
}
