/**
 * `GET /api/v1/ws`: the WebSocket push of prices, books, trades, candles and the caller's alert
 * notifications (protocol in `protocol.ts`). Credentials are the API's: a Bearer header or the
 * session cookie; without any the socket is anonymous (prices only), with invalid ones the
 * upgrade is refused with 401 before any socket exists.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { MAX_CLIENT_MESSAGE_BYTES, type WebSocketHub } from '../../market/realtime/hub.ts';
import { tokenOf } from '../plugins/auth.ts';

export interface WebSocketRoutesOptions {
  hub: WebSocketHub;
}

export async function webSocketRoutes(app: FastifyInstance, opts: WebSocketRoutesOptions) {
  await app.register(websocket, { options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES } });

  app.route({
    method: 'GET',
    url: '/api/v1/ws',
    schema: {
      tags: ['realtime'],
      summary:
        'WebSocket: {op: subscribe|unsubscribe, channels: [price:<S>, book:<S>, trades:<S>, candles:<S>:<interval>, alerts]}',
    },
    preValidation: async (request, reply) => {
      const token = tokenOf(request);
      if (token === null) return;
      const user = token === '' ? null : await app.authenticator.authenticate(token);
      if (!user) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        throw new TradecacheError(ErrorCodes.AUTH_INVALID, 'invalid or expired credentials');
      }
      request.user = user;
    },
    // A plain HTTP request gets our error shape, not the plugin's empty 404.
    handler: async () => {
      throw new TradecacheError(ErrorCodes.BAD_REQUEST, 'GET /api/v1/ws needs a WebSocket upgrade');
    },
    wsHandler: (socket, request) => {
      opts.hub.attach(socket, request.user?.userId ?? null);
    },
  });
}
