import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Gauge } from 'prom-client';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import type { SymbolCatalog } from '../../../market/symbols/index.ts';
import type { Metrics } from '../../../metrics.ts';
import type { RedisHealth } from '../../../redis/health.ts';
import { secretsEqual } from '../../../sessions/index.ts';
import { MARKET_TYPES } from '../../../trading/index.ts';
import { SharedCounterSnapshot } from './shared-counters.ts';

export interface MetricsRoutesOptions {
  metrics: Metrics;
  symbols: SymbolCatalog;
  health: RedisHealth;
  /** `METRICS_TOKEN`: when set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string | null;
  /** Period of the background read of the Python platform's Redis counters. @default 5 s */
  sharedCountersRefreshMs?: number;
}

const SHARED_COUNTERS = 'tradecache_symbols_cache_counter';
const SHARED_COUNTERS_AGE = 'tradecache_symbols_cache_counter_age_seconds';
const REDIS_UP = 'tradecache_redis_up';

/**
 * Prometheus `/metrics`: process metrics plus the Python platform's Redis counters (hit/miss, warmup
 * success/error), which all processes share. A scrape reads only this process' memory: the
 * Redis counters come from a background refresh, so `/metrics` answers at once whatever Redis
 * does. Open unless `METRICS_TOKEN` is set; under the default per-IP rate limit like any route.
 */
export async function metricsRoutes(app: FastifyInstance, opts: MetricsRoutesOptions) {
  const { registry } = opts.metrics;
  const shared = new SharedCounterSnapshot(opts.symbols, opts.health, {
    ...(opts.sharedCountersRefreshMs ? { refreshMs: opts.sharedCountersRefreshMs } : {}),
  });
  new Gauge({
    name: SHARED_COUNTERS,
    help: 'Shared counters kept in Redis (metrics:cache_hit:*, metrics:cache_miss:*, metrics:warmup_*), all processes, as last read in the background',
    labelNames: ['market', 'counter'] as const,
    registers: [registry],
    collect: function (this: Gauge<'market' | 'counter'>) {
      for (const market of MARKET_TYPES) {
        const c = shared.of(market);
        if (!c) continue;
        this.set({ market, counter: 'cache_hit' }, c.hits);
        this.set({ market, counter: 'cache_miss' }, c.misses);
        this.set({ market, counter: 'warmup_success' }, c.warmupSuccess);
        this.set({ market, counter: 'warmup_error' }, c.warmupError);
      }
    },
  });
  new Gauge({
    name: SHARED_COUNTERS_AGE,
    help: `Seconds since ${SHARED_COUNTERS} was last read from Redis (absent before the first read)`,
    registers: [registry],
    collect: function (this: Gauge) {
      const age = shared.ageSec();
      if (age !== null) this.set(age);
    },
  });
  new Gauge({
    name: REDIS_UP,
    help: '1 when the command connection is ready',
    registers: [registry],
    collect: function (this: Gauge) {
      this.set(opts.health.isReady ? 1 : 0);
    },
  });
  app.addHook('onReady', async () => shared.start());
  app.addHook('onClose', async () => {
    shared.stop();
    for (const name of [SHARED_COUNTERS, SHARED_COUNTERS_AGE, REDIS_UP]) registry.removeSingleMetric(name);
  });

  const token = opts.token ?? null;
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (token === null) return;
    const header = request.headers.authorization;
    if (typeof header !== 'string' || header.length === 0) {
      reply.header('www-authenticate', 'Bearer');
      throw new TradecacheError(ErrorCodes.AUTH_REQUIRED, 'a metrics token is required');
    }
    const given = /^Bearer +(\S{1,512})$/i.exec(header.trim())?.[1];
    if (given === undefined || !secretsEqual(given, token)) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new TradecacheError(ErrorCodes.AUTH_INVALID, 'invalid metrics token');
    }
  };

  app.get(
    '/metrics',
    {
      preHandler: guard,
      schema: { tags: ['ops'], summary: 'Prometheus metrics (Bearer METRICS_TOKEN when set)' },
    },
    async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      reply.header('cache-control', 'no-store');
      return registry.metrics();
    },
  );
}
