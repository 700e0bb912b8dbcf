import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorCodes, isTradecacheError, TradecacheError } from '../../errors.ts';
import {
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPrecision,
  USER_ID_PATTERN,
} from '../../sessions/index.ts';
import { LocalRateLimiter } from '../../sessions/local-rate-limiter.ts';

/**
 * What to do when Redis cannot be asked. `closed` refuses (503): for login, where letting
 * guesses through unthrottled is worse than a short outage. `open` lets the request through:
 * for reads, where an outage of the limiter must not take the API down with it.
 */
export type RateLimitFailMode = 'open' | 'closed';

/** One limit; every `by` subject (IP, user id from the body...) gets its own window. */
export interface RateLimitRule {
  /** Short name in the key, e.g. `login`. */
  action: string;
  limit: number;
  windowSec: number;
  by: Array<'ip' | ((request: FastifyRequest) => unknown)>;
  failMode: RateLimitFailMode;
  /** @default 'exact' */
  precision?: RateLimitPrecision;
}

export interface RateLimitPluginOptions {
  limiter: RateLimiter;
  /** Default limit per client IP on every route (fails open); `false` turns it off. @default 1200 per 60 s */
  perIp?: { limit: number; windowSec: number } | false;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler enforcing `rule`; 429 RATE_LIMITED with Retry-After when exceeded. */
    rateLimit(rule: RateLimitRule): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyContextConfig {
    /** `false` exempts a route from the default per-IP limit (health probes, metrics). */
    rateLimit?: false;
  }
}

/**
 * HTTP rate limiting on the sliding-window {@link RateLimiter}: a default per-IP limit on every
 * route (onRequest, fail open) and `app.rateLimit(rule)` for stricter per-route rules. Client IPs
 * are `request.ip`: behind a proxy, set Fastify's `trustProxy` or every client shares one IP.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: RateLimitPluginOptions) => {
    const enforce = async (rule: RateLimitRule, request: FastifyRequest, reply: FastifyReply) => {
      for (const by of rule.by) {
        const subject = by === 'ip' ? { kind: 'ip' as const, id: request.ip } : userSubject(by(request));
        if (!subject) continue;
        let decision: RateLimitDecision;
        try {
          decision = await opts.limiter.consume(
            rule.action,
            subject,
            rule.limit,
            rule.windowSec,
            rule.precision,
          );
        } catch (err) {
          if (rule.failMode === 'open' && isTradecacheError(err, ErrorCodes.REDIS_UNAVAILABLE)) {
            request.log.warn({ action: rule.action }, 'rate limiter unavailable: failing open');
            return;
          }
          throw err;
        }
        reply.header('x-ratelimit-limit', String(decision.limit));
        reply.header('x-ratelimit-remaining', String(decision.remaining));
        if (!decision.allowed) {
          throw new TradecacheError(
            ErrorCodes.RATE_LIMITED,
            `too many ${rule.action} requests, retry later`,
            {
              context: { retryAfterSec: decision.retryAfterSec, action: rule.action },
            },
          );
        }
      }
    };

    app.decorate(
      'rateLimit',
      (rule: RateLimitRule) => async (request: FastifyRequest, reply: FastifyReply) =>
        enforce(rule, request, reply),
    );

    const perIp = opts.perIp ?? { limit: 1200, windowSec: 60 };
    if (perIp === false) return;
    // Per process and in memory: see LocalRateLimiter for why this one limit skips Redis.
    const local = new LocalRateLimiter(perIp.limit, perIp.windowSec);
    const limitHeader = String(perIp.limit);
    // A callback hook, not an async one: it never waits, and it runs on every request of every
    // route, where a promise and a microtask hop each time are not free.
    app.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.config?.rateLimit === false) return done();
      const decision = local.consume(request.ip);
      reply.header('x-ratelimit-limit', limitHeader);
      reply.header('x-ratelimit-remaining', String(decision.remaining));
      if (decision.allowed) return done();
      done(
        new TradecacheError(ErrorCodes.RATE_LIMITED, 'too many requests from this address, retry later', {
          context: { retryAfterSec: decision.retryAfterSec, action: 'http' },
        }),
      );
    });
  },
  { name: 'tradecache-rate-limit', fastify: '5.x' },
);

/** A user id taken from the request (e.g. the login body); anything else is not a subject. */
function userSubject(value: unknown) {
  return typeof value === 'string' && USER_ID_PATTERN.test(value)
    ? { kind: 'user' as const, id: value }
    : null;
}
