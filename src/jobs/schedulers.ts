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

const isScheduled = (def: JobDefinition | undefined) => def?.every !== undefined || def?.cron !== undefined;

/**
 * The run a cron scheduler queued for `next` and no worker took: still delayed or waiting
 * although its time has passed. Returns that time, or null when nothing was missed.
 */
async function missedRunAt(queue: Queue, id: string, now: number): Promise<number | null> {
  const scheduler = await queue.getJobScheduler(id);
  const next = scheduler?.next;
  if (next === undefined || next === null || next > now) return null;
  const job = await queue.getJob(`repeat:${id}:${next}`);
  if (!job) return null;
  const state = await job.getState();
  return state === 'delayed' || state === 'waiting' || state === 'prioritized' ? next : null;
}

/**
 * Makes the queue's job schedulers match the definitions (Celery beat's schedule): one
 * scheduler per definition with `every` or `cron`, keyed by the job name, and none other.
 * Upserting an unchanged scheduler keeps its next run, so calling this at every boot is safe; a
 * scheduler left by an older deployment (a renamed or dropped job) is removed with its pending run.
 *
 * Missed cron runs: a cron scheduler queues only its next run, so while no worker is up at most
 * one run waits however many days pass; upserting replaces it with the next future time. So
 * when that waiting run was overdue, one catch-up run is enqueued under an id made of its due
 * time: every process booting together adds the same id, and the run happens once.
 */
export async function reconcileSchedulers(
  queue: Queue,
  definitions: Iterable<JobDefinition>,
  logger: Logger,
  now: () => number = Date.now,
): Promise<{ upserted: string[]; removed: string[]; caughtUp: string[] }> {
  const declared = new Map<string, JobDefinition>();
  for (const def of definitions) if (isScheduled(def)) declared.set(def.name, def);

  const upserted: string[] = [];
  const caughtUp: string[] = [];
  for (const def of declared.values()) {
    const template = { name: def.name, data: {}, opts: jobOptions(def) };
    if (def.cron) {
      const missed = await missedRunAt(queue, def.name, now());
      await queue.upsertJobScheduler(def.name, { pattern: def.cron.pattern, tz: def.cron.tz }, template);
      if (missed !== null) {
        await queue.add(def.name, {}, { ...jobOptions(def), jobId: `catchup-${def.name}-${missed}` });
        caughtUp.push(def.name);
        logger.info(
          { job: def.name, dueAt: new Date(missed).toISOString() },
          'missed scheduled run enqueued once',
        );
      }
    } else {
      await queue.upsertJobScheduler(def.name, { every: def.every }, template);
    }
    upserted.push(def.name);
  }

  const removed: string[] = [];
  for (const scheduler of await listAll(queue)) {
    const id = scheduler.id ?? scheduler.key;
    if (declared.has(id)) continue;
    if (await queue.removeJobScheduler(id)) removed.push(id);
    await removeQueuedRuns(queue, id, logger);
  }
  logger.info({ upserted, removed, caughtUp }, 'job schedulers reconciled');
  return { upserted, removed, caughtUp };
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
      pattern: scheduler.pattern ?? null,
      nextRunAt: scheduler.next ?? null,
      iterations: scheduler.iterationCount ?? 0,
      declared: isScheduled(definitions.get(id)),
    };
  });
}
