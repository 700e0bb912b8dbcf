/** Operations: the cache service, the Redis monitor, cleanup steps and their metrics. */
import type { Queue } from 'bullmq';
import type { CacheEngine } from '../cache/index.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys/index.ts';
import type { UserSessionCache } from '../sessions/index.ts';
import { CacheService, type QueueDepth } from './cache-service.ts';
import { CleanupRegistry } from './cleanup-registry.ts';
import { RedisMonitor } from './monitor.ts';

export type { ClearReport } from './cache-clear.ts';
export {
  type CacheHealth,
  CacheService,
  type CacheSummary,
  type HealthStatus,
  MEMORY_WARNING_RATIO,
  type QueueDepth,
} from './cache-service.ts';
export { CleanupRegistry, type CleanupReport, type CleanupStep } from './cleanup-registry.ts';
export { areaOf, type KeyInventory, sharedKeysOf, takeKeyInventory } from './key-inventory.ts';
export { type ScanBounds, scanBounded } from './key-scan.ts';
export { registerOperationsMetrics } from './metrics.ts';
export { type MonitorSnapshot, RedisMonitor, type SlowCommand } from './monitor.ts';
export { isEvictingPolicy, type RedisInfo, redisInfoOf } from './redis-info.ts';

/** The operations services of one process. */
export interface OperationsServices {
  readonly service: CacheService;
  readonly monitor: RedisMonitor;
  /** Areas add their cleanup steps here (alerts, market data retention, notifications). */
  readonly cleanup: CleanupRegistry;
  /** Queue depths of the monitor's last round, for /metrics; null before it. */
  lastQueueDepths(): Readonly<Record<string, QueueDepth>> | null;
  close(): Promise<void>;
}

export interface OperationsDeps {
  redis: RedisClient;
  keys: Keys;
  cache: CacheEngine;
  sessions: UserSessionCache;
  queues: () => ReadonlyMap<string, Queue>;
  logger: Logger;
  monitorIntervalMs: number;
}

/**
 * Builds the cache service with its first cleanup step (dangling session index entries) and the
 * monitor, which also samples queue depths each round so /metrics reads them from memory.
 */
export function openOperations(deps: OperationsDeps): OperationsServices {
  const logger = deps.logger.child({ component: 'operations' });
  const cleanup = new CleanupRegistry();
  cleanup.register('sessions', () => deps.sessions.cleanupExpiredSessions());
  const service = new CacheService({ ...deps, logger, cleanup });
  let depths: Record<string, QueueDepth> | null = null;
  const monitor = new RedisMonitor({
    redis: deps.redis,
    logger,
    intervalMs: deps.monitorIntervalMs,
    onMemoryPressure: () => service.cleanupExpiredData(),
    onRound: async () => {
      depths = await service.queueDepths();
    },
  });
  return {
    service,
    monitor,
    cleanup,
    lastQueueDepths: () => depths,
    async close() {
      service.stop();
      await monitor.stop();
    },
  };
}
