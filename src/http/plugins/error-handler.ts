import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { SecretScrubber } from '../../config/redact.ts';
import { TradecacheError } from '../../errors.ts';
import { type ErrorBody, statusForCode } from '../errors.ts';

/**
 * Turns every error into `{ error: { code, message } }`. 4xx messages are shown as they are
 * (scrubbed of secrets); 5xx details are logged and hidden from the client.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance, opts: { scrubber: SecretScrubber }) => {
    app.setErrorHandler((err: FastifyError | TradecacheError | Error, request, reply) => {
      const { status, body } = toResponse(err, opts.scrubber);
      if (status >= 500) request.log.error({ err }, 'request failed');
      else request.log.info({ code: body.error.code, status }, 'request rejected');
      const retryAfter = err instanceof TradecacheError ? err.context.retryAfterSec : undefined;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.ceil(retryAfter)));
      return reply.status(status).send(body);
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` },
      } satisfies ErrorBody),
    );
  },
  { name: 'tradecache-error-handler' },
);

function toResponse(err: FastifyError | TradecacheError | Error, scrubber: SecretScrubber) {
  if (err instanceof TradecacheError) {
    const status = statusForCode(err.code);
    const message =
      status >= 500 && status !== 503 && status !== 502 ? 'internal error' : scrubber.scrub(err.message);
    const details = err.context.details;
    return { status, body: { error: { code: err.code, message, ...(details ? { details } : {}) } } };
  }
  const fastifyErr = err as FastifyError;
  if (fastifyErr.validation) {
    return {
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: scrubber.scrub(fastifyErr.message) } },
    };
  }
  const status = typeof fastifyErr.statusCode === 'number' ? fastifyErr.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = fastifyErr.code?.startsWith('FST_') ? 'BAD_REQUEST' : (fastifyErr.code ?? 'BAD_REQUEST');
    return { status, body: { error: { code, message: scrubber.scrub(err.message) } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
