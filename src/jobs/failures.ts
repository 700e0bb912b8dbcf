import { UnrecoverableError } from 'bullmq';
import { type ErrorCode, ErrorCodes, errorMessage, isTradecacheError, TradecacheError } from '../errors.ts';

/**
 * Codes that mean "the request itself is wrong": running it again gives the same answer, so
 * retrying only burns exchange weight. Kept here rather than derived from the HTTP status map,
 * because jobs must not depend on the HTTP edge.
 */
const UNRECOVERABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.CONFIG_INVALID,
  ErrorCodes.VALIDATION_FAILED,
  ErrorCodes.EXCHANGE_INVALID_SYMBOL,
  ErrorCodes.EXCHANGE_INVALID_INTERVAL,
  ErrorCodes.EXCHANGE_BAD_REQUEST,
  ErrorCodes.NOT_FOUND,
  ErrorCodes.CONFLICT,
  ErrorCodes.PAYLOAD_TOO_LARGE,
  ErrorCodes.AUTH_REQUIRED,
  ErrorCodes.AUTH_INVALID,
  ErrorCodes.FORBIDDEN,
  ErrorCodes.HISTORY_RANGE_INVALID,
  ErrorCodes.HISTORY_IMPORT_INVALID,
]);

/** Whether a job error must fail the job at once instead of being retried. */
export function isUnrecoverable(err: unknown): boolean {
  if (err instanceof UnrecoverableError) return true;
  return isTradecacheError(err) && UNRECOVERABLE_CODES.has(err.code);
}

/**
 * The error handed to BullMQ. Its message starts with the TradecacheError code
 * (`JOB_TIMEOUT: ...`) because BullMQ keeps only the message as `failedReason`, and `runNow`
 * turns that back into a TradecacheError with the same code.
 */
export function toBullError(err: unknown): Error {
  const message = isTradecacheError(err) ? `${err.code}: ${err.message}` : errorMessage(err);
  const out = isUnrecoverable(err) ? new UnrecoverableError(message) : new Error(message);
  out.cause = err;
  return out;
}

const CODED = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/;
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/**
 * Code used when a job failed with an error that carried no code of ours. The catalog has no
 * JOB_FAILED; from the caller of `runNow` the worker is an upstream that could not deliver.
 */
export const UNCODED_JOB_FAILURE: ErrorCode = ErrorCodes.UPSTREAM_UNAVAILABLE;

/** Rebuilds the error of a failed job from its `failedReason`. */
export function fromFailedReason(reason: string, context: Record<string, unknown>): TradecacheError {
  const match = CODED.exec(reason);
  if (match?.[1] && match[2] !== undefined && KNOWN_CODES.has(match[1])) {
    return new TradecacheError(match[1] as ErrorCode, match[2], { context });
  }
  return new TradecacheError(UNCODED_JOB_FAILURE, `job failed: ${reason}`, { context });
}
