import type { FastifyInstance } from 'fastify';
import { ErrorCodes, isTradecacheError, TradecacheError } from '../../../errors.ts';
import type { Metrics } from '../../../metrics.ts';
import { API_KEY_PATTERN, type LoginLimiter, USER_ID_PATTERN } from '../../../sessions/index.ts';
import { requireUser, SESSION_COOKIE } from '../../plugins/auth.ts';

export interface AuthRoutesOptions {
  /** Failed-login budgets (per user id and address, per address, alert per user id). */
  limiter: LoginLimiter;
  /** Where login failures, refusals and lockout alerts are counted; none when left out. */
  metrics?: Metrics;
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
 * Needs `authPlugin` registered first.
 */
export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions) {
  const { limiter, metrics } = opts;
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
    },
    async (request, reply) => {
      const { userId, apiKey } = request.body;
      // Failures are what is limited, never attempts: a right key is refused only when its own
      // address used up its failures. Fails closed: no Redis, no login (503).
      const attempt = await limiter.admit(userId, request.ip).catch((err: unknown) => {
        if (isTradecacheError(err, ErrorCodes.RATE_LIMITED)) {
          metrics?.loginRefusals.inc({ limit: String(err.context.limit) });
        }
        throw err;
      });
      const userAgent = String(request.headers['user-agent'] ?? '').slice(0, 256);
      const result = await app.authenticator.login(userId, apiKey, { ip: request.ip, userAgent });
      if (!result) {
        metrics?.loginFailures.inc();
        const outcome = await limiter.recordFailure(attempt);
        if (outcome.alert) {
          metrics?.loginLockoutAlerts.inc();
          // The id and the count, never the key tried: a typo'd key is one character from the real one.
          request.log.warn(
            {
              userId,
              failures: outcome.userFailures,
              windowSec: limiter.limits.alertWindowSec,
              address: attempt.address,
            },
            'many failed logins for one user id from many addresses: possible distributed guessing',
          );
        }
        // One message for unknown users and wrong keys: the response must not reveal which ids exist.
        throw new TradecacheError(ErrorCodes.AUTH_INVALID, 'invalid user id or API key');
      }
      try {
        await limiter.recordSuccess(attempt);
      } catch (err) {
        // The session exists already; an unreset streak only expires with its window.
        request.log.warn({ err }, 'could not reset the login failure streak');
      }
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
