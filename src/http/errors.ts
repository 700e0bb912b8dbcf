import { type ErrorCode, ErrorCodes } from '../errors.ts';

/** HTTP status of each error code: the one place this mapping lives. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.VALIDATION_FAILED]: 400,
  [ErrorCodes.EXCHANGE_INVALID_SYMBOL]: 400,
  [ErrorCodes.EXCHANGE_INVALID_INTERVAL]: 400,
  [ErrorCodes.EXCHANGE_BAD_REQUEST]: 400,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.CONFLICT]: 409,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCodes.BAD_REQUEST]: 400,
  [ErrorCodes.METHOD_NOT_ALLOWED]: 405,
  [ErrorCodes.REQUEST_TIMEOUT]: 408,
  [ErrorCodes.URI_TOO_LONG]: 414,
  [ErrorCodes.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCodes.HEADERS_TOO_LARGE]: 431,
  [ErrorCodes.NOT_READY]: 503,
  [ErrorCodes.SHUTTING_DOWN]: 503,
  [ErrorCodes.INTERNAL]: 500,
  [ErrorCodes.AUTH_REQUIRED]: 401,
  [ErrorCodes.AUTH_INVALID]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.RATE_LIMITED]: 429,
  [ErrorCodes.SERVER_BUSY]: 503,
  // nginx's "client closed request": the client left, nobody reads this answer.
  [ErrorCodes.ABORTED]: 499,
  [ErrorCodes.HISTORY_RANGE_INVALID]: 400,
  [ErrorCodes.HISTORY_IMPORT_INVALID]: 400,
  [ErrorCodes.HISTORY_STORE_FAILED]: 507,
  [ErrorCodes.CACHE_FACTORY_TIMEOUT]: 504,
  [ErrorCodes.EXCHANGE_RATE_LIMITED]: 503,
  [ErrorCodes.EXCHANGE_IP_BANNED]: 503,
  [ErrorCodes.EXCHANGE_UNAVAILABLE]: 503,
  [ErrorCodes.EXCHANGE_TIMEOUT]: 503,
  [ErrorCodes.EXCHANGE_BAD_RESPONSE]: 502,
  [ErrorCodes.UPSTREAM_UNAVAILABLE]: 503,
  [ErrorCodes.REDIS_UNAVAILABLE]: 503,
  [ErrorCodes.WRITE_UNCONFIRMED]: 503,
};

export function statusForCode(code: string): number {
  return (STATUS as Record<string, number | undefined>)[code] ?? 500;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
