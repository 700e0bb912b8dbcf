import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Process metrics for /metrics. One instance per app (tests build several apps in one process,
 * so nothing here is global).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly redisErrors = new Counter({
    name: 'tradecache_redis_errors_total',
    help: 'Redis commands that failed (fail-soft reads and writes included)',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly symbolsRequests = new Counter({
    name: 'tradecache_symbols_requests_total',
    help: 'Symbol list reads by outcome: hit, miss, stale (last-good) or unavailable',
    labelNames: ['market', 'result'] as const,
    registers: [this.registry],
  });

  readonly exchangeRequests = new Counter({
    name: 'tradecache_exchange_requests_total',
    help: 'Exchange REST requests by endpoint and outcome',
    labelNames: ['market', 'endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly exchangeUsedWeight = new Gauge({
    name: 'tradecache_exchange_used_weight_1m',
    help: 'Last X-MBX-USED-WEIGHT-1M the exchange reported',
    labelNames: ['market'] as const,
    registers: [this.registry],
  });

  readonly jobRuns = new Counter({
    name: 'tradecache_job_runs_total',
    help: 'Background job runs by job name and outcome',
    labelNames: ['job', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'tradecache_job_duration_seconds',
    help: 'Duration of one background job attempt by job name and outcome',
    labelNames: ['job', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  readonly loginFailures = new Counter({
    name: 'tradecache_login_failures_total',
    help: 'Logins refused for a wrong API key or an unknown user id (this process)',
    registers: [this.registry],
  });

  readonly loginRefusals = new Counter({
    name: 'tradecache_login_refusals_total',
    help: 'Logins answered 429 by a failure budget: user-address (one id from one address) or address (all ids)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly loginLockoutAlerts = new Counter({
    name: 'tradecache_login_lockout_alerts_total',
    help: 'Times one user id reached LOGIN_ALERT_FAILURES_PER_USER failures from all addresses (once per alert window)',
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'tradecache_http_request_duration_seconds',
    help: 'HTTP request duration by route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  constructor(options: { collectDefault?: boolean } = {}) {
    if (options.collectDefault) collectDefaultMetrics({ register: this.registry, prefix: 'tradecache_' });
  }
}
