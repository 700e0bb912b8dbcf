import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import { API_KEY_PATTERN, USER_ID_PATTERN } from '../../../sessions/index.ts';
import { requireUser, SESSION_COOKIE } from '../../plugins/auth.ts';

export interface AuthRoutesOptions {
  /** Login attempts allowed per minute, per user id and per client IP. @default 10 */
  loginAttemptsPerMinute?: number;
}

const loginBody = {
  type: 'object',
  required: ['userId', 'apiKey'],
  properties: {
    userId: { type: 'string', pattern: USER_ID_PATTERN.source },
    // The exact shape `addUser` issues: anything else (including numbers Ajv would coerce) is a 400.
    apiKey: { type: 'string', pattern: API_KEY_PATTERN.source },
  },
} as const;

const loginResponse = {
  type: 'object',
  properties: { token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
} as const;

/**
 * `POST /api/v1/auth/login` (API key → bearer token + HttpOnly cookie) and `POST /api/v1/auth/logout`.
 * Needs `authPlugin` and `rateLimitPlugin` registered first.
 */
export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions = {}) {
  const limit = opts.loginAttemptsPerMinute ?? 10;
  app.post<{ Body: { userId: string; apiKey: string } }>(
    '/api/v1/auth/login',
    {
      // A user id and an API key: a few hundred bytes.
      bodyLimit: 4 * 1024,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a user id and API key for a session token',
        body: loginBody,
        response: { 200: loginResponse },
      },
      // Every attempt counts, per user (stops guessing one account from many IPs) and per IP
      // (stops one client spraying many accounts). Fails closed: no Redis, no login.
      preHandler: app.rateLimit({
        action: 'login',
        limit,
        windowSec: 60,
        by: ['ip', (request) => (request.body as { userId?: unknown } | undefined)?.userId],
        failMode: 'closed',
      }),
    },
    async (request, reply) => {
      const { userId, apiKey } = request.body;
      const userAgent = String(request.headers['user-agent'] ?? '').slice(0, 256);
      const result = await app.authenticator.login(userId, apiKey, { ip: request.ip, userAgent });
      // One message for unknown users and wrong keys: the response must not reveal which ids exist.
      if (!result) throw new TradecacheError(ErrorCodes.AUTH_INVALID, 'invalid user id or API key');
      reply.setCookie(SESSION_COOKIE, result.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: '/',
      });
      reply.header('cache-control', 'no-store');
      return { token: result.token, expiresAt: new Date(result.expiresAt).toISOString() };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: { tags: ['auth'], summary: 'End the current session' },
      preHandler: [app.authenticated],
    },
    async (request, reply) => {
      await app.authenticator.logout(requireUser(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { loggedOut: true };
    },
  );
}
