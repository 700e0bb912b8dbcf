import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { SymbolCatalog } from '../../../market/symbols/index.ts';
import { MARKET_TYPES } from '../../../market/vocabulary/index.ts';
import type { Metrics } from '../../../metrics.ts';
import type { RedisHealth } from '../../../redis/health.ts';

export interface MetricsRoutesOptions {
  metrics: Metrics;
  symbols: SymbolCatalog;
  health: RedisHealth;
}

/**
 * Prometheus `/metrics`: process metrics plus the Python platform's Redis counters (hit/miss, warmup
 * success/error), which are shared by every process and so read from Redis at scrape time.
 */
export async function metricsRoutes(app: FastifyInstance, opts: MetricsRoutesOptions) {
  const { registry } = opts.metrics;
  new Gauge({
    name: 'tradecache_symbols_cache_counter',
    help: 'Shared counters kept in Redis (metrics:cache_hit:*, metrics:cache_miss:*, metrics:warmup_*), all processes',
    labelNames: ['market', 'counter'] as const,
    registers: [registry],
    collect: async function (this: Gauge<'market' | 'counter'>) {
      for (const market of MARKET_TYPES) {
        const c = await opts.symbols.counters(market);
        this.set({ market, counter: 'cache_hit' }, c.hits ?? 0);
        this.set({ market, counter: 'cache_miss' }, c.misses ?? 0);
        this.set({ market, counter: 'warmup_success' }, c.warmupSuccess ?? 0);
        this.set({ market, counter: 'warmup_error' }, c.warmupError ?? 0);
      }
    },
  });
  new Gauge({
    name: 'tradecache_redis_up',
    help: '1 when the command connection is ready',
    registers: [registry],
    collect: function (this: Gauge) {
      this.set(opts.health.isReady ? 1 : 0);
    },
  });
  app.addHook('onClose', async () => {
    registry.removeSingleMetric('tradecache_symbols_cache_counter');
    registry.removeSingleMetric('tradecache_redis_up');
  });

  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: { tags: ['ops'], summary: 'Prometheus metrics' } },
    async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );
}
