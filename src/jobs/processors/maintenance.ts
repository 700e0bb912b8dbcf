import type { CleanupReport } from '../../operations/index.ts';
import type { JobDefinition } from '../types.ts';

/** What the maintenance job needs of the cache service. */
export interface MaintenanceTarget {
  cleanupExpiredData(signal: AbortSignal): Promise<CleanupReport>;
}

/** Name of the daily maintenance job (also its scheduler id). */
export const MAINTENANCE_JOB = 'maintenance';

/**
 * Seed 002's `daily_cache_maintenance` at 2 a.m.: every registered cleanup step (dangling
 * session index entries now; expired alerts, ticks and candles past retention and stale
 * notifications as their areas register them). Steps are idempotent, so a retry or the
 * catch-up run after a restart is harmless.
 */
export function maintenanceJob(
  target: MaintenanceTarget,
  schedule: { pattern: string; tz: string },
): JobDefinition<Record<string, never>> {
  return {
    name: MAINTENANCE_JOB,
    description: 'Clean up expired data (sessions, and the steps other areas register)',
    cron: schedule,
    timeoutMs: 15 * 60_000,
    attempts: 3,
    backoffMs: 60_000,
    keepCompleted: 30,
    keepFailed: 30,
    async run(_data, ctx) {
      const report = await target.cleanupExpiredData(ctx.signal);
      return { removed: report.removed, failed: report.failed, totalRemoved: report.totalRemoved };
    },
  };
}
