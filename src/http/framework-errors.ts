import { STATUS_CODES } from 'node:http';
import { type ErrorCode, ErrorCodes } from '../errors.ts';

/** What a client is told about a refused request: a catalog code and a fixed message. */
export interface PublicError {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * Fastify's own errors, answered with fixed messages: theirs quote the input back (the whole
 * path of FST_ERR_BAD_URL and FST_ERR_MAX_PARAM_LENGTH, the content type of a 415), which turns
 * an error page into a reflection point and a log of whatever an attacker sent.
 */
const FASTIFY_ERRORS: Readonly<Record<string, PublicError>> = {
  FST_ERR_BAD_URL: { status: 400, code: ErrorCodes.BAD_REQUEST, message: 'malformed URL' },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: ErrorCodes.URI_TOO_LONG,
    message: 'a path segment is too long',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: ErrorCodes.PAYLOAD_TOO_LARGE,
    message: 'request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
    message: 'unsupported content type; send application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: ErrorCodes.BAD_REQUEST,
    message: 'request body does not match its content-length',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: ErrorCodes.BAD_REQUEST,
    message: 'request body is empty but content-type is application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: ErrorCodes.BAD_REQUEST,
    message: 'request body is not valid JSON',
  },
};

/** The catalog code of a 4xx status that reached us without one of ours. */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  404: ErrorCodes.NOT_FOUND,
  405: ErrorCodes.METHOD_NOT_ALLOWED,
  408: ErrorCodes.REQUEST_TIMEOUT,
  413: ErrorCodes.PAYLOAD_TOO_LARGE,
  414: ErrorCodes.URI_TOO_LONG,
  415: ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCodes.RATE_LIMITED,
  431: ErrorCodes.HEADERS_TOO_LARGE,
};

/**
 * The answer to an error that is not a TradecacheError (Fastify's, a plugin's, a parser's):
 * 4xx keep their status with a fixed message, everything else is a 500 with nothing in it.
 */
export function publicErrorOf(err: { code?: unknown; statusCode?: unknown }): PublicError {
  const known = typeof err.code === 'string' ? FASTIFY_ERRORS[err.code] : undefined;
  if (known) return known;
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    const message = (STATUS_CODES[status] ?? 'Bad Request').toLowerCase();
    return { status, code: CODE_OF_STATUS[status] ?? ErrorCodes.BAD_REQUEST, message };
  }
  return { status: 500, code: ErrorCodes.INTERNAL, message: 'internal error' };
}
