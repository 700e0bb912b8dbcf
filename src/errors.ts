/**
 * One catalog of error codes. Codes are stable: callers, logs and HTTP responses rely on them;
 * messages may change. HTTP maps codes to statuses in one place (`http/plugins/errors.ts`).
 */
export const ErrorCodes = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  REDIS_UNAVAILABLE: 'REDIS_UNAVAILABLE',
  /** A durable write reached the master but too few replicas confirmed it in time (WAIT): it may or may not survive. */
  WRITE_UNCONFIRMED: 'WRITE_UNCONFIRMED',
  REDIS_SERVER_MISSING: 'REDIS_SERVER_MISSING',
  REDIS_SERVER_FAILED: 'REDIS_SERVER_FAILED',
  EXCHANGE_INVALID_SYMBOL: 'EXCHANGE_INVALID_SYMBOL',
  EXCHANGE_INVALID_INTERVAL: 'EXCHANGE_INVALID_INTERVAL',
  EXCHANGE_BAD_REQUEST: 'EXCHANGE_BAD_REQUEST',
  EXCHANGE_RATE_LIMITED: 'EXCHANGE_RATE_LIMITED',
  EXCHANGE_IP_BANNED: 'EXCHANGE_IP_BANNED',
  EXCHANGE_UNAVAILABLE: 'EXCHANGE_UNAVAILABLE',
  EXCHANGE_TIMEOUT: 'EXCHANGE_TIMEOUT',
  EXCHANGE_BAD_RESPONSE: 'EXCHANGE_BAD_RESPONSE',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  JOB_TIMEOUT: 'JOB_TIMEOUT',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  ABORTED: 'ABORTED',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  // HTTP edge: malformed or oversized requests, and the server's own state
  BAD_REQUEST: 'BAD_REQUEST',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  URI_TOO_LONG: 'URI_TOO_LONG',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  NOT_READY: 'NOT_READY',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INTERNAL: 'INTERNAL',
  // sessions and auth
  AUTH_REQUIRED: 'AUTH_REQUIRED',
  AUTH_INVALID: 'AUTH_INVALID',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  /** Too much expensive work in flight in this process: retry after the Retry-After delay. */
  SERVER_BUSY: 'SERVER_BUSY',
  // cache engine
  CACHE_FACTORY_TIMEOUT: 'CACHE_FACTORY_TIMEOUT',
  CACHE_FACTORY_FAILED: 'CACHE_FACTORY_FAILED',
  CACHE_DECODE_FAILED: 'CACHE_DECODE_FAILED',
  CACHE_DECRYPT_FAILED: 'CACHE_DECRYPT_FAILED',
  // history store
  HISTORY_RANGE_INVALID: 'HISTORY_RANGE_INVALID',
  HISTORY_IMPORT_INVALID: 'HISTORY_IMPORT_INVALID',
  HISTORY_STORE_FAILED: 'HISTORY_STORE_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface TradecacheErrorOptions {
  /** Structured facts about the failure; never secrets. */
  context?: Record<string, unknown>;
  cause?: unknown;
}

/** Base of every error the library throws on purpose. */
export class TradecacheError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TradecacheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TradecacheError';
    this.code = code;
    this.context = options.context ?? {};
  }
}

export function isTradecacheError(err: unknown, code?: ErrorCode): err is TradecacheError {
  return err instanceof TradecacheError && (code === undefined || err.code === code);
}

/** A message for any thrown value, for logs and one-line CLI errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
