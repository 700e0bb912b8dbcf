import { Job, type Queue } from 'bullmq';
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
 * (`startup-<name>[-<scope>]`, ttl = window) makes the second process's add a no-op.
 *
 * Only a run that can still warm the cache stands in for ours: one that failed (or failed an
 * attempt and waits for its retry) is forgotten and ours is enqueued, so `npm run demo` right
 * after a `npm start` that could not reach the exchange warms its caches. `scope` separates
 * processes that must not share a run (another exchange). Returns the names this call enqueued.
 */
export async function enqueueStartupRuns(
  queue: Queue,
  definitions: Iterable<JobDefinition>,
  bootId: string,
  logger: Logger,
  windowMs = STARTUP_DEDUP_WINDOW_MS,
  scope?: string,
): Promise<string[]> {
  const enqueued: string[] = [];
  for (const def of definitions) {
    if (!def.runAtStart) continue;
    const jobId = `startup-${def.name}-${bootId}`;
    const deduplicationId = scope ? `startup-${def.name}-${scope}` : `startup-${def.name}`;
    await forgetFailedRun(queue, deduplicationId, logger);
    const job = await queue.add(
      def.name,
      {},
      { ...jobOptions(def), jobId, deduplication: { id: deduplicationId, ttl: windowMs } },
    );
    // A deduplicated add returns the job another process enqueued, not ours.
    if (job.id === jobId) enqueued.push(def.name);
    else logger.info({ job: def.name, jobId: job.id }, 'startup run already enqueued by another process');
  }
  if (enqueued.length > 0) logger.info({ jobs: enqueued }, 'startup runs enqueued');
  return enqueued;
}

/** Drops the deduplication of a startup run that failed, or is retrying after a failure. */
async function forgetFailedRun(queue: Queue, deduplicationId: string, logger: Logger): Promise<void> {
  const previousId = await queue.getDeduplicationJobId(deduplicationId);
  if (!previousId) return;
  const previous = await Job.fromId(queue, previousId);
  const state = previous ? await previous.getState() : 'unknown';
  const failed = state === 'failed' || (state !== 'completed' && (previous?.attemptsMade ?? 0) > 0);
  if (!previous || failed) {
    await queue.removeDeduplicationKey(deduplicationId);
    logger.info({ jobId: previousId, state }, 'previous startup run failed: enqueueing a new one');
  }
}
