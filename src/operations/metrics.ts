import { Gauge, type Registry } from 'prom-client';
import type { QueueDepth } from './cache-service.ts';
import type { RedisMonitor } from './monitor.ts';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const satisfies readonly (keyof QueueDepth)[];

/**
 * The monitor's figures as Prometheus gauges. Each `collect` reads the last round kept in
 * memory: a scrape never calls Redis. Returns the names registered (removed on close).
 */
export function registerOperationsMetrics(
  registry: Registry,
  monitor: RedisMonitor,
  queueDepths: () => Readonly<Record<string, QueueDepth>> | null,
  build: { version: string },
): string[] {
  const info = () => monitor.snapshot().info;
  const gauges: Gauge[] = [
    redisGauge(
      registry,
      'tradecache_redis_used_memory_bytes',
      'Redis used_memory at the last monitor round',
      () => info()?.usedMemory,
    ),
    redisGauge(
      registry,
      'tradecache_redis_maxmemory_bytes',
      'Redis maxmemory (0: no limit) at the last monitor round',
      () => info()?.maxMemory,
    ),
    redisGauge(
      registry,
      'tradecache_redis_connected_clients',
      'Redis connected_clients at the last monitor round',
      () => info()?.connectedClients,
    ),
    redisGauge(
      registry,
      'tradecache_redis_ops_per_second',
      'Redis instantaneous_ops_per_sec at the last monitor round',
      () => info()?.opsPerSecond,
    ),
    redisGauge(
      registry,
      'tradecache_redis_slowlog_entries',
      'Redis slow-log entries seen by the monitor since this process started',
      () => monitor.snapshot().slowTotal,
    ),
    new Gauge({
      name: 'tradecache_queue_jobs',
      help: 'BullMQ jobs per queue and state at the last monitor round',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      collect: function (this: Gauge<'queue' | 'state'>) {
        for (const [queue, depth] of Object.entries(queueDepths() ?? {})) {
          for (const state of STATES) this.set({ queue, state }, depth[state]);
        }
      },
    }),
    new Gauge({
      name: 'tradecache_build_info',
      help: 'Always 1; the labels tell the version and the Node.js runtime',
      labelNames: ['version', 'node'] as const,
      registers: [registry],
      collect: function (this: Gauge<'version' | 'node'>) {
        this.set({ version: build.version, node: process.version }, 1);
      },
    }),
  ];
  return gauges.map((g) => (g as unknown as { name: string }).name);
}

function redisGauge(registry: Registry, name: string, help: string, read: () => number | undefined): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect: function (this: Gauge) {
      const value = read();
      if (value !== undefined) this.set(value);
    },
  });
}
