import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { AppContext } from '../app.ts';
import type { TrustProxy } from '../config/trust-proxy.ts';
import { ErrorCodes } from '../errors.ts';
import { AccessLog } from './access-log.ts';
import { httpApp } from './app.ts';
import type { ErrorBody } from './errors.ts';
import { publicErrorOf } from './framework-errors.ts';
import { onClientError, refuseConnectMethod } from './raw-socket-errors.ts';

/**
 * A Fastify instance with the API registered, logging through the app's scrubbed logger, with
 * the limits of `config.http.limits`: a slow or silent client is cut off after the request
 * timeout, bodies, path parameters and headers are bounded, and so are open connections.
 */
export async function buildServer(ctx: AppContext): Promise<FastifyInstance> {
  const limits = ctx.config.http.limits;
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new AccessLog(ctx.config.logRequests),
    bodyLimit: limits.bodyLimitBytes,
    // Off unless TRUST_PROXY: a forwarded header from anyone else would let a client pick its IP.
    trustProxy: toFastifyTrustProxy(ctx.config.http.trustProxy),
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    routerOptions: { maxParamLength: limits.maxParamLength },
    http: {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.requestTimeoutMs,
      // Node looks for expired requests only this often (30 s by default), which would let a
      // slowloris socket live up to 30 s past the timeout.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.requestTimeoutMs / 4))),
    },
    clientErrorHandler: onClientError,
    // Bad URLs and too-long parameters are refused before routing; Fastify's own answers quote the path.
    frameworkErrors: (err, _request, reply) => {
      const answer = publicErrorOf(err);
      const plain = reply as unknown as FastifyReply;
      plain
        .status(answer.status)
        .send({ error: { code: answer.code, message: answer.message } } satisfies ErrorBody);
    },
    // Our own 503 below instead of Fastify's, whose body is not our error shape.
    return503OnClosing: false,
    // Times are `type: ['string', 'integer']` (ISO date or epoch ms). Without this, Ajv's strict
    // mode accepts them anyway but prints a plain-text warning per schema among the JSON logs.
    ajv: { customOptions: { allowUnionTypes: true } },
  });
  app.server.maxConnections = limits.maxConnections;
  refuseConnectMethod(app.server);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply
      .status(503)
      .header('connection', 'close')
      .send({
        error: { code: ErrorCodes.SHUTTING_DOWN, message: 'the server is shutting down; retry elsewhere' },
      } satisfies ErrorBody);
  });

  await app.register(httpApp, ctx);
  return app;
}

/**
 * Fastify 5 now refuses a plain hop count (it trusts no hop for a number, since a count cannot
 * tell a proxy from a direct client that sends enough X-Forwarded-For entries), so the count is
 * given as the function proxy-addr documents for it: the n addresses nearest us are proxies.
 * Only right when clients cannot reach the port directly; a list of proxy addresses is safer.
 */
function toFastifyTrustProxy(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'object' ? [...trust] : trust;
}

/** Listens on the configured host and port; returns the address actually bound. */
export async function listen(app: FastifyInstance, ctx: AppContext): Promise<string> {
  return app.listen({ host: ctx.config.http.host, port: ctx.config.http.port });
}
