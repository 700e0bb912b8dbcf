import type { Queue } from 'bullmq';
import type { Logger } from '../logger.ts';
import { jobOptions } from './definitions.ts';
import type { JobDefinition } from './types.ts';

/**
 * Processes booting within this window of each other share one startup run. A rolling deploy
 * of two workers, or a crash loop, then warms the caches once instead of once per process,
 * while a restart after the window still gets its fresh run.
 */
export const STARTUP_DEDUP_WINDOW_MS = 60_000;

/**
 * Enqueues one run of every `runAtStart` definition (the Python platform's "warm the cache on boot").
 *
 * Why not a fixed job id: a completed job is kept (keepCompleted) under its id, so a fixed id
 * would silently skip the startup run of every later boot. Why not only a per-boot id: two
 * processes starting together would both run it. So each boot gets its own id
 * (`startup-<name>-<bootId>`, readable in the queue) and BullMQ deduplication in throttle mode
 * (`startup-<name>`, ttl = window) makes the second process's add a no-op. Returns the names
 * this call actually enqueued.
 */
export async function enqueueStartupRuns(
  queue: Queue,
  definitions: Iterable<JobDefinition>,
  bootId: string,
  logger: Logger,
  windowMs = STARTUP_DEDUP_WINDOW_MS,
): Promise<string[]> {
  const enqueued: string[] = [];
  for (const def of definitions) {
    if (!def.runAtStart) continue;
    const jobId = `startup-${def.name}-${bootId}`;
    const job = await queue.add(
      def.name,
      {},
      { ...jobOptions(def), jobId, deduplication: { id: `startup-${def.name}`, ttl: windowMs } },
    );
    // A deduplicated add returns the job another process enqueued, not ours.
    if (job.id === jobId) enqueued.push(def.name);
    else logger.info({ job: def.name, jobId: job.id }, 'startup run already enqueued by another process');
  }
  if (enqueued.length > 0) logger.info({ jobs: enqueued }, 'startup runs enqueued');
  return enqueued;
}
