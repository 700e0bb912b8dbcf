import type { Queue } from 'bullmq';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { jobOptions } from './definitions.ts';
import type { JobDefinition, JobSchedulerStatus } from './types.ts';

/** All schedulers of the queue; BullMQ pages them, a deployment has a handful. */
async function listAll(queue: Queue) {
  return queue.getJobSchedulers(0, -1, true);
}

/** Stale runs are looked for among the first this-many pending jobs; reconcile runs at boot. */
const STALE_RUN_SCAN = 1_000;

/**
 * Removing a scheduler drops its next delayed run, but not a run it already queued (an `every`
 * scheduler queues its first run at once). Remove those too, so a worker that no longer knows
 * the job does not fail them one by one.
 */
async function removeQueuedRuns(queue: Queue, schedulerId: string, logger: Logger): Promise<void> {
  const pending = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, STALE_RUN_SCAN);
  for (const job of pending) {
    if (job.repeatJobKey !== schedulerId) continue;
    // A worker may have taken it meanwhile; then it is its to finish.
    await job
      .remove()
      .catch((err: unknown) =>
        logger.debug({ jobId: job.id, error: errorMessage(err) }, 'stale run not removed'),
      );
  }
}

/**
 * Makes the queue's job schedulers match the definitions (Celery beat's schedule): one
 * scheduler per definition with `every`, keyed by the job name, and none other. Upserting an
 * unchanged scheduler keeps its next run, so calling this at every boot is safe; a scheduler
 * left by an older deployment (a renamed or dropped job) is removed with its pending run.
 */
export async function reconcileSchedulers(
  queue: Queue,
  definitions: Iterable<JobDefinition>,
  logger: Logger,
): Promise<{ upserted: string[]; removed: string[] }> {
  const declared = new Map<string, JobDefinition>();
  for (const def of definitions) if (def.every !== undefined) declared.set(def.name, def);

  const upserted: string[] = [];
  for (const def of declared.values()) {
    await queue.upsertJobScheduler(
      def.name,
      { every: def.every },
      { name: def.name, data: {}, opts: jobOptions(def) },
    );
    upserted.push(def.name);
  }

  const removed: string[] = [];
  for (const scheduler of await listAll(queue)) {
    const id = scheduler.id ?? scheduler.key;
    if (declared.has(id)) continue;
    if (await queue.removeJobScheduler(id)) removed.push(id);
    await removeQueuedRuns(queue, id, logger);
  }
  logger.info({ upserted, removed }, 'job schedulers reconciled');
  return { upserted, removed };
}

/** The queue's schedulers, declared or not, for status pages. */
export async function describeSchedulers(
  queue: Queue,
  definitions: ReadonlyMap<string, JobDefinition>,
): Promise<JobSchedulerStatus[]> {
  return (await listAll(queue)).map((scheduler) => {
    const id = scheduler.id ?? scheduler.key;
    return {
      id,
      job: scheduler.name,
      every: scheduler.every ?? null,
      nextRunAt: scheduler.next ?? null,
      iterations: scheduler.iterationCount ?? 0,
      declared: definitions.get(id)?.every !== undefined,
    };
  });
}
