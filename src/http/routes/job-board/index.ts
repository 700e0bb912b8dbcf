import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../../../errors.ts';
import type { ErrorBody } from '../../errors.ts';

export const JOB_BOARD_PREFIX = '/admin/queues';

export interface JobBoardOptions {
  /** The queues to show (the job runtime's). */
  queues: readonly Queue[];
  /** True when the request carries admin credentials (`app.callerIsAdmin`). */
  isAdmin: (request: FastifyRequest) => Promise<boolean>;
}

/**
 * The board's own CSP: its UI is a prebuilt React app with inline `style=` attributes and a
 * stylesheet from a font CDN (refused here: nothing leaves this origin). Scripts only from us.
 */
const BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `@bull-board/fastify` at `/admin/queues`: jobs by state, payloads, failure stacks, retry and
 * clean, for admins only (ADMIN_TOKEN or an admin session cookie). The guard answers itself
 * instead of throwing: the board's plugin installs its own error handler, which would turn our
 * 401 into its 500.
 */
export async function jobBoardRoutes(app: FastifyInstance, opts: JobBoardOptions) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(JOB_BOARD_PREFIX);
  createBullBoard({
    queues: opts.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'tradecache jobs' } },
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('content-security-policy', BOARD_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (await opts.isAdmin(request)) return;
    const refused = request.user !== null && request.user !== undefined;
    const body: ErrorBody = refused
      ? { error: { code: ErrorCodes.FORBIDDEN, message: 'admin rights required' } }
      : {
          error: {
            code: ErrorCodes.AUTH_REQUIRED,
            message: 'the job board needs an admin token or admin session',
          },
        };
    reply.header('cache-control', 'no-store');
    return reply.code(refused ? 403 : 401).send(body);
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: JOB_BOARD_PREFIX });
}
