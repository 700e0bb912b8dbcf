import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { SecretScrubber } from '../../config/redact.ts';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { FailSoftWarnings } from '../../fail-soft-warnings.ts';
import { type ErrorBody, statusForCode } from '../errors.ts';
import { publicErrorOf } from '../framework-errors.ts';
import { SERVED_METHODS } from '../raw-socket-errors.ts';
import { describeSchemaErrors, type SchemaError } from '../validation-messages.ts';

export interface ErrorHandlerOptions {
  scrubber: SecretScrubber;
  /** Where expected 502/503 answers (Redis or the exchange down) are counted instead of logged one by one. */
  warnings?: FailSoftWarnings;
}

const SERVED = new Set<string>(SERVED_METHODS);

/**
 * Turns every error into `{ error: { code, message } }`. Our own 4xx messages are shown as they
 * are (scrubbed of secrets); Fastify's and other libraries' get fixed messages (theirs quote the
 * input); 5xx details are logged and hidden from the client. The access log records 4xx answers,
 * so they get no line of their own here.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance, opts: ErrorHandlerOptions) => {
    app.setErrorHandler((err: FastifyError | TradecacheError | Error, request, reply) => {
      const { status, body } = toResponse(err, opts.scrubber, bodyName(request));
      if (status === 502 || status === 503) {
        // A dependency is down: every request says so until it is back; one line per interval is enough.
        const cause = `${body.error.code}:${request.routeOptions.url ?? ''}`;
        const fields = { code: body.error.code, status, route: request.routeOptions.url ?? null };
        if (opts.warnings) opts.warnings.warn(cause, fields, 'request failed: a dependency is unavailable');
        else request.log.warn(fields, 'request failed: a dependency is unavailable');
      } else if (status >= 500) {
        request.log.error({ err }, 'request failed');
      } else {
        request.log.debug({ code: body.error.code, status }, 'request rejected');
      }
      const retryAfter = err instanceof TradecacheError ? err.context.retryAfterSec : undefined;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.ceil(retryAfter)));
      return reply.status(status).send(body);
    });
    app.setNotFoundHandler((request, reply) => {
      // The path is not repeated: an error page must not reflect what the client sent.
      if (!SERVED.has(request.method)) {
        return reply
          .status(405)
          .header('allow', SERVED_METHODS.join(', '))
          .send({
            error: { code: ErrorCodes.METHOD_NOT_ALLOWED, message: 'method not allowed' },
          } satisfies ErrorBody);
      }
      return reply.status(404).send({
        error: { code: ErrorCodes.NOT_FOUND, message: 'no such route' },
      } satisfies ErrorBody);
    });
  },
  { name: 'tradecache-error-handler' },
);

/** What a route's body is called in validation messages: its schema's `title`, else `body`. */
function bodyName(request: FastifyRequest): string {
  const body = (request.routeOptions.schema as { body?: { title?: unknown } } | undefined)?.body;
  return typeof body?.title === 'string' ? body.title : 'body';
}

function toResponse(
  err: FastifyError | TradecacheError | Error,
  scrubber: SecretScrubber,
  bodyRoot: string,
): { status: number; body: ErrorBody } {
  if (err instanceof TradecacheError) {
    const status = statusForCode(err.code);
    const message =
      status >= 500 && status !== 503 && status !== 502 ? 'internal error' : scrubber.scrub(err.message);
    const details = err.context.details;
    return { status, body: { error: { code: err.code, message, ...(details ? { details } : {}) } } };
  }
  const fastifyErr = err as FastifyError;
  if (fastifyErr.validation) {
    // Query and path parameters are named by themselves (`limit: ...`), the body by its name.
    const context = fastifyErr.validationContext;
    const root = context === 'body' ? bodyRoot : context === 'headers' ? 'header' : '';
    const message = describeSchemaErrors(fastifyErr.validation as SchemaError[], root);
    return {
      status: 400,
      body: { error: { code: ErrorCodes.VALIDATION_FAILED, message: scrubber.scrub(message) } },
    };
  }
  const answer = publicErrorOf(fastifyErr);
  return { status: answer.status, body: { error: { code: answer.code, message: answer.message } } };
}
