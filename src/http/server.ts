import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app.ts';
import { httpApp } from './app.ts';

/** A Fastify instance with the API registered, logging through the app's scrubbed logger. */
export async function buildServer(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Bodies are small JSON documents; anything bigger is a mistake or an attack.
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });
  await app.register(httpApp, ctx);
  return app as unknown as FastifyInstance;
}

/** Listens on the configured host and port; returns the address actually bound. */
export async function listen(app: FastifyInstance, ctx: AppContext): Promise<string> {
  return app.listen({ host: ctx.config.http.host, port: ctx.config.http.port });
}
