import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.ts';
import { errorHandlerPlugin } from './plugins/error-handler.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { requestMetricsPlugin } from './plugins/request-metrics.ts';
import { healthRoutes } from './routes/health/index.ts';
import { metricsRoutes } from './routes/metrics/index.ts';
import { symbolsRoutes } from './routes/symbols/index.ts';

export type HttpDeps = Pick<AppContext, 'scrubber' | 'metrics' | 'health' | 'symbols'>;

/**
 * The HTTP API as a plugin that receives its dependencies; it never listens (server.ts does),
 * so tests register it on a fresh Fastify and use `inject()` or a real port.
 */
export async function httpApp(app: FastifyInstance, deps: HttpDeps) {
  await app.register(errorHandlerPlugin, { scrubber: deps.scrubber });
  await app.register(requestMetricsPlugin, { metrics: deps.metrics });
  await app.register(openapiPlugin, { version: '0.1.0' });
  await app.register(healthRoutes, { health: deps.health });
  await app.register(metricsRoutes, { metrics: deps.metrics, symbols: deps.symbols, health: deps.health });
  await app.register(symbolsRoutes, { symbols: deps.symbols });
}
