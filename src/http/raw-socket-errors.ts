import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, ErrorCodes } from '../errors.ts';
import type { ErrorBody } from './errors.ts';

/** Methods the API routes; anything else is answered 405 (with this `Allow`). */
export const SERVED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'] as const;

/**
 * Writes one complete JSON error answer on a socket Fastify never saw (the HTTP parser refused
 * the request, or it is a CONNECT) and closes it: the same `{ error: { code, message } }` as
 * every other answer, never a quote of what the client sent.
 */
export function answerOnSocket(
  socket: Duplex,
  status: number,
  code: ErrorCode,
  message: string,
  extraHeaders = '',
): void {
  if (socket.destroyed) return;
  if (socket.writable) {
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `${extraHeaders}Connection: close\r\n\r\n${body}`,
    );
  }
  socket.end();
  // A client that never reads must not keep the socket open through a full send buffer.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** What a parser or timeout error of the raw server means to the client. */
function clientErrorAnswer(code: unknown): { status: number; code: ErrorCode; message: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: ErrorCodes.REQUEST_TIMEOUT,
        message: 'the request did not arrive in time',
      };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: ErrorCodes.HEADERS_TOO_LARGE, message: 'request headers are too large' };
    case 'HPE_INVALID_METHOD':
      return { status: 405, code: ErrorCodes.METHOD_NOT_ALLOWED, message: 'method not allowed' };
    default:
      return { status: 400, code: ErrorCodes.BAD_REQUEST, message: 'malformed HTTP request' };
  }
}

/**
 * Fastify's `clientErrorHandler`: the raw server's `clientError` (bad bytes in the request line,
 * oversized headers, a request that did not arrive before `requestTimeout`) answered in our
 * shape. Nothing is written once a response has started on the socket.
 */
export function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const answer = clientErrorAnswer(err.code);
  const allow = answer.status === 405 ? `Allow: ${SERVED_METHODS.join(', ')}\r\n` : '';
  answerOnSocket(socket, answer.status, answer.code, answer.message, allow);
}

/**
 * Without a `connect` listener Node drops a CONNECT request's socket without a word; this is
 * not a proxy, so it says so.
 */
export function refuseConnectMethod(server: Server): void {
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    answerOnSocket(
      socket,
      405,
      ErrorCodes.METHOD_NOT_ALLOWED,
      'method not allowed',
      `Allow: ${SERVED_METHODS.join(', ')}\r\n`,
    );
  });
}
