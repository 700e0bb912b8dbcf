import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { loadDashboardPage } from './page.ts';
import { dashboardResponseSchema } from './schemas.ts';
import { type DashboardSources, dashboardSnapshot } from './snapshot.ts';

export { packageVersion } from './version.ts';

export interface DashboardRoutesOptions {
  sources: DashboardSources;
  /** Guards the JSON (`app.adminOnly`). */
  adminGuard: preHandlerHookHandler;
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

  app.get(
    '/api/v1/dashboard',
    {
      preHandler: opts.adminGuard,
      schema: {
        tags: ['ops'],
        summary: 'Operator dashboard data: service, Redis, cache engine, symbols, jobs (admin)',
        response: { 200: dashboardResponseSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return dashboardSnapshot(opts.sources);
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
