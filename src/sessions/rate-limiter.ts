import { randomBytes } from 'node:crypto';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { RedisClient } from '../redis/client.ts';
import { refuseWithoutRedis } from '../redis/failure-rules.ts';
import { assertUserId, type SessionKeys } from '../redis/keys/index.ts';
import { runScript } from '../redis/scripts.ts';

/** The Lua script of each precision (src/redis/lua/). */
const SCRIPTS = { exact: 'sliding-window', approximate: 'sliding-window-counter' } as const;

/**
 * `exact`: a log of every hit (ZSET of ≤ limit entries); never lets more than `limit` through in
 * any window. For login and other security limits. `approximate`: O(1) weighted two-window
 * counter; may be off by a few percent at window edges. For high-volume flood guards.
 */
export type RateLimitPrecision = 'exact' | 'approximate';

/** Who is being limited: a user id or a client IP. */
export type RateLimitSubject = { kind: 'user'; id: string } | { kind: 'ip'; id: string };

/** Outcome of one attempt. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Hits counted in the current window. */
  readonly count: number;
  readonly limit: number;
  readonly remaining: number;
  /** Whole seconds until a new attempt can succeed (0 when allowed). */
  readonly retryAfterSec: number;
}

/**
 * Atomic rate limits in Redis (Python platform: set_rate_limit / is_rate_limited, whose INCR-then-GET was racy).
 *
 * Why our own Lua sliding window rather than rate-limiter-flexible's RateLimiterRedis: that one
 * counts fixed windows, which lets 2× the limit through around a window boundary: 20 login
 * guesses in two seconds with a "10 per minute" rule. The log is a ZSET of at most `limit`
 * entries per subject, so memory stays small for the limits we use (10 to a few hundred).
 */
export class RateLimiter {
  private readonly redis: RedisClient;
  private readonly keys: SessionKeys;

  constructor(options: { redis: RedisClient; keys: SessionKeys }) {
    this.redis = options.redis;
    this.keys = options.keys;
  }

  /** Records one attempt of `action` by `subject` if under `limit` per `windowSec`, atomically. */
  async consume(
    action: string,
    subject: RateLimitSubject,
    limit: number,
    windowSec: number,
    precision: RateLimitPrecision = 'exact',
  ): Promise<RateLimitDecision> {
    return this.run(action, subject, limit, windowSec, true, precision);
  }

  /** Python platform API: records one hit and returns the hits now counted in the window. */
  async setRateLimit(userId: string, action: string, limit: number, windowSec: number): Promise<number> {
    return (await this.run(action, { kind: 'user', id: assertUserId(userId) }, limit, windowSec, true)).count;
  }

  /**
   * Python platform API, made atomic: counts this attempt and says whether it is over the limit, in one
   * step, so two concurrent callers can never both take the last slot.
   */
  async isRateLimited(userId: string, action: string, limit: number, windowSec: number): Promise<boolean> {
    return !(await this.run(action, { kind: 'user', id: assertUserId(userId) }, limit, windowSec, true))
      .allowed;
  }

  /** Current state without recording a hit. */
  async peek(
    action: string,
    subject: RateLimitSubject,
    limit: number,
    windowSec: number,
  ): Promise<RateLimitDecision> {
    return this.run(action, subject, limit, windowSec, false);
  }

  private async run(
    action: string,
    subject: RateLimitSubject,
    limit: number,
    windowSec: number,
    record: boolean,
    precision: RateLimitPrecision = 'exact',
  ): Promise<RateLimitDecision> {
    if (!Number.isInteger(limit) || limit < 1 || !(windowSec > 0)) {
      throw new TradecacheError(
        ErrorCodes.VALIDATION_FAILED,
        'rate limit needs an integer limit ≥ 1 and a window > 0',
      );
    }
    // The precision is part of the key: the two scripts keep different data types.
    const key = this.keys.rateLimit(
      precision === 'exact' ? action : `${action}.approx`,
      subjectPart(subject),
    );
    const windowMs = Math.round(windowSec * 1000);
    const flag = record ? '1' : '0';
    const [allowed, count, retryAfterMs] = await refuseWithoutRedis('rate limit', () =>
      precision === 'exact'
        ? runScript<[number, number, number]>(
            this.redis,
            SCRIPTS.exact,
            [key],
            [windowMs, limit, `${Date.now()}-${randomBytes(6).toString('hex')}`, flag],
          )
        : runScript<[number, number, number]>(
            this.redis,
            SCRIPTS.approximate,
            [key],
            [windowMs, limit, flag],
          ),
    );
    return {
      allowed: allowed === 1,
      count,
      limit,
      remaining: Math.max(0, limit - count),
      retryAfterSec: allowed === 1 ? 0 : Math.max(1, Math.ceil(retryAfterMs / 1000)),
    };
  }
}

/** `user.alice`, `ip.10.0.0.7`, `ip.--1` (IPv6 colons become dashes: keys stay within our charset). */
function subjectPart(subject: RateLimitSubject): string {
  if (subject.kind === 'user') return `user.${assertUserId(subject.id)}`;
  const ip = subject.id
    .replace(/:/g, '-')
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 60);
  return `ip.${ip || 'unknown'}`;
}
