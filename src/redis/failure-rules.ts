/**
 * What a Redis error means, decided per kind of data rather than per call. Three rules:
 *
 * | data                                           | rule            | where                          |
 * | ---------------------------------------------- | --------------- | ------------------------------ |
 * | counters (hit/miss, warmup, refresh times)     | return nothing  | `RedisStore`, `CounterBuffer`  |
 * | cache tier (L2 of the cache engine)            | circuit breaker | `RedisTier` + `CircuitBreaker` |
 * | durable user data (users, sessions, prefs,     | refuse (503)    | `refuseWithoutRedis` below     |
 * |   alerts, notifications) and rate limits       |                 |                                |
 *
 * - Return nothing: losing a count never fails a request; the failure still shows in
 *   `tradecache_redis_errors_total` and `/ready`.
 * - Circuit breaker: after repeated failures the cache skips Redis for a cooldown and serves L1,
 *   stale or last-good copies, so a dead Redis does not add its timeout to every read.
 * - Refuse: an answer built without the data would be wrong (a session that may be revoked, a
 *   login limit that may be exceeded), so the caller gets REDIS_UNAVAILABLE → HTTP 503 and
 *   nothing is changed. Rate limits therefore fail closed.
 */
import { ErrorCodes, isTradecacheError, TradecacheError } from '../errors.ts';

export { CircuitBreaker } from './circuit-breaker.ts';

export type RedisFailureRule = 'return-nothing' | 'circuit-breaker' | 'refuse';

/**
 * The "refuse" rule: runs a Redis operation and turns a connection or command failure into
 * REDIS_UNAVAILABLE (503), so an outage never surfaces as an anonymous 500. Our own errors pass.
 */
export async function refuseWithoutRedis<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isTradecacheError(err)) throw err;
    throw new TradecacheError(ErrorCodes.REDIS_UNAVAILABLE, `redis unavailable during ${operation}`, {
      context: { operation },
      cause: err,
    });
  }
}
