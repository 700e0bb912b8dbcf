import type { FastifyReply } from 'fastify';
import { ErrorCodes, TradecacheError } from '../errors.ts';

/**
 * A signal that fires when the client goes away before its answer was fully written (socket
 * closed, request cancelled), so work only that client was waiting for can stop.
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const res = reply.raw;
  res.once('close', () => {
    if (!res.writableFinished) {
      controller.abort(new TradecacheError(ErrorCodes.ABORTED, 'client disconnected'));
    }
  });
  return controller.signal;
}
