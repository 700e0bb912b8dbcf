import { redactUrlsIn } from '../config/redact.ts';
import { ErrorCodes, errorMessage, TradecacheError } from '../errors.ts';

/** Exit code 2: the user asked for something invalid (bad config, argument or input). */
export const EXIT_USAGE = 2;
/** Exit code 1: the request was fine but it failed (Redis down, exchange unreachable). */
export const EXIT_FAILURE = 1;

const USAGE_CODES = new Set<string>([
  ErrorCodes.CONFIG_INVALID,
  ErrorCodes.VALIDATION_FAILED,
  ErrorCodes.HISTORY_RANGE_INVALID,
  ErrorCodes.HISTORY_IMPORT_INVALID,
  ErrorCodes.EXCHANGE_INVALID_SYMBOL,
  ErrorCodes.EXCHANGE_INVALID_INTERVAL,
  ErrorCodes.EXCHANGE_BAD_REQUEST,
]);

export function exitCodeFor(err: unknown): number {
  return err instanceof TradecacheError && USAGE_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/** One line on stderr, never a stack trace, never a credential. */
export function printError(err: unknown): void {
  const line = redactUrlsIn(errorMessage(err)).split('\n')[0];
  process.stderr.write(`tradecache: ${line}\n`);
}
