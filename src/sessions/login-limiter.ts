import { randomBytes } from 'node:crypto';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { RedisClient } from '../redis/client.ts';
import { refuseWithoutRedis } from '../redis/failure-rules.ts';
import { assertUserId, type SessionKeys } from '../redis/keys/index.ts';
import { runScript } from '../redis/scripts.ts';
import { loginAddress } from './login-address.ts';

/** How many failed logins are tolerated, and where. */
export interface LoginLimits {
  /** Sliding window of the two refusing budgets, seconds. @default 60 */
  readonly windowSec: number;
  /** Failures one user id may have from one address (IPv6: one /64) per window. @default 10 */
  readonly failuresPerUserAddress: number;
  /** Failures one address may have per window, whatever the user ids (stops sprays). @default 30 */
  readonly failuresPerAddress: number;
  /** Failures of one user id from all addresses per alert window that raise an alert (never a refusal). @default 100 */
  readonly alertFailuresPerUser: number;
  /** Window of `alertFailuresPerUser`, seconds. @default 600 */
  readonly alertWindowSec: number;
}

/** Defaults of {@link LoginLimits}, the same as the config's. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = Object.freeze({
  windowSec: 60,
  failuresPerUserAddress: 10,
  failuresPerAddress: 30,
  alertFailuresPerUser: 100,
  alertWindowSec: 600,
});

/** Which budget refused a login. */
export type LoginRefusal = 'user-address' | 'address';

/** An admitted login attempt, counted as a failure until {@link LoginLimiter.recordSuccess}. */
export interface LoginAttempt {
  readonly userId: string;
  /** The key part of the client (see `loginAddress`). */
  readonly address: string;
  readonly member: string;
}

/** What one more failure did to the user id's count over all addresses. */
export interface LoginFailureOutcome {
  /** Failures of this user id from all addresses in the alert window (estimate, including this one). */
  readonly userFailures: number;
  /** True once per alert window, when `userFailures` reaches `alertFailuresPerUser`. */
  readonly alert: boolean;
}

/**
 * Failed-login budgets in Redis (every app instance shares them). A failure streak blocks a user
 * id only from the address that failed, so nobody can lock a user out from elsewhere by knowing
 * the id; an address that fails across many ids is blocked for all of them (sprays); failures of
 * one id from everywhere raise an alert but never block, because blocking there is the lockout
 * this design exists to prevent. Successes do not count: an attempt is charged before the key
 * check, so concurrent guesses cannot overrun the budget, and refunded when the key was right.
 */
export class LoginLimiter {
  private readonly redis: RedisClient;
  private readonly keys: SessionKeys;
  readonly limits: LoginLimits;

  constructor(options: { redis: RedisClient; keys: SessionKeys; limits?: Partial<LoginLimits> }) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.limits = Object.freeze({ ...DEFAULT_LOGIN_LIMITS, ...options.limits });
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`login limit ${name} must be an integer ≥ 1`);
    }
  }

  /**
   * Admits an attempt of `userId` from client IP `ip`, or throws RATE_LIMITED (429, with
   * `retryAfterSec` and `limit`) when that address has used up its failures for this id or in
   * all. Throws REDIS_UNAVAILABLE when Redis cannot be asked: no Redis, no login.
   */
  async admit(userId: string, ip: string | undefined): Promise<LoginAttempt> {
    const attempt: LoginAttempt = {
      userId: assertUserId(userId),
      address: loginAddress(ip),
      member: `${Date.now()}-${randomBytes(6).toString('hex')}`,
    };
    const { windowSec, failuresPerUserAddress, failuresPerAddress } = this.limits;
    const [admitted, refusedBy, , retryAfterMs = 1000] = await refuseWithoutRedis('login limit', () =>
      runScript<number[]>(
        this.redis,
        'login-attempt',
        [
          this.keys.loginUserAddressFailures(attempt.address, attempt.userId),
          this.keys.loginAddressFailures(attempt.address),
        ],
        [windowSec * 1000, failuresPerUserAddress, failuresPerAddress, attempt.member],
      ),
    );
    if (admitted === 1) return attempt;
    const limit: LoginRefusal = refusedBy === 1 ? 'user-address' : 'address';
    throw new TradecacheError(
      ErrorCodes.RATE_LIMITED,
      limit === 'user-address'
        ? 'too many failed logins for this user id from this address, retry later'
        : 'too many failed logins from this address, retry later',
      { context: { retryAfterSec: Math.max(1, Math.ceil(retryAfterMs / 1000)), action: 'login', limit } },
    );
  }

  /** The key was right: ends the (user id, address) streak and refunds the attempt to the address. */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    await refuseWithoutRedis('login limit', () =>
      this.redis
        .multi()
        .del(this.keys.loginUserAddressFailures(attempt.address, attempt.userId))
        .zrem(this.keys.loginAddressFailures(attempt.address), attempt.member)
        .exec(),
    );
  }

  /**
   * The key was wrong (or the user unknown): the attempt stays charged to the address, and the
   * failure is added to the user id's count over all addresses.
   */
  async recordFailure(attempt: LoginAttempt): Promise<LoginFailureOutcome> {
    const { alertWindowSec, alertFailuresPerUser } = this.limits;
    const [userFailures = 0, alert] = await refuseWithoutRedis('login limit', () =>
      runScript<number[]>(
        this.redis,
        'login-user-failures',
        [this.keys.loginUserFailures(attempt.userId)],
        [alertWindowSec * 1000, alertFailuresPerUser],
      ),
    );
    return { userFailures, alert: alert === 1 };
  }
}
