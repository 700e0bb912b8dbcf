import { ErrorCodes, isTradecacheError, TradecacheError } from '../errors.ts';

/**
 * Runs a Redis operation and turns a connection/command failure into REDIS_UNAVAILABLE (503), so
 * an outage never surfaces as an anonymous 500 and callers can choose to fail open or closed.
 */
export async function withRedis<T>(operation: string, run: () => Promise<T>): Promise<T> {
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
