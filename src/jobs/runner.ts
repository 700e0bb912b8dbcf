import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { ErrorCodes, errorMessage, TradecacheError } from '../errors.ts';
import { closeRedisClient, type RedisClient } from '../redis/connection.ts';
import { bullEventsKey } from '../redis/keys/index.ts';
import { assertJobId, definitionOf, indexDefinitions, jobOptions } from './definitions.ts';
import { fromFailedReason } from './failures.ts';
import { createJobProcessor } from './processor.ts';
import { describeSchedulers, reconcileSchedulers } from './schedulers.ts';
import { enqueueStartupRuns } from './startup.ts';
import type { JobDefinition, JobRuntime, JobRuntimeOptions, RunNowOptions } from './types.ts';

/** Default of `close(deadlineMs)`: long enough for a symbol warmup, short for a deploy. */
export const DEFAULT_CLOSE_DEADLINE_MS = 10_000;
const RUN_NOW_SLACK_MS = 30_000;

/** Worst case of one job from enqueue to its last attempt's end, plus time to be picked up. */
function defaultWaitMs(def: JobDefinition): number {
  let backoffs = 0;
  for (let retry = 1; retry < def.attempts; retry++) backoffs += def.backoffMs * 2 ** (retry - 1);
  return def.attempts * def.timeoutMs + backoffs + RUN_NOW_SLACK_MS;
}

/** Resolves true if `promise` settles within `ms`, false otherwise (the promise keeps going). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Builds the job runtime of one process: a BullMQ queue (always), and on demand the worker
 * (`startWorker`, only in the process that runs jobs) and the events listener (`runNow`).
 * Nothing runs a job or a scheduler until asked, so `tradecache api` can enqueue and read
 * status without working. Delivery is at-least-once, like Celery with `acks_late`: a job whose
 * worker dies is found stalled and run again, so runs must be idempotent.
 */
export function createJobRuntime(options: JobRuntimeOptions): JobRuntime {
  const definitions = indexDefinitions(options.definitions);
  const queueName = options.queueName ?? 'jobs';
  const { prefix, logger, metrics } = options;
  const log = logger.child({ component: 'jobs', queue: queueName });
  const bootId = randomUUID();

  const owned: RedisClient[] = [];
  const newClient = (): RedisClient => {
    const client = options.connection();
    owned.push(client);
    return client;
  };
  const onError = (source: string) => (err: Error) =>
    log.warn({ source, error: errorMessage(err) }, 'queue error');

  const queue = new Queue(queueName, { connection: newClient(), prefix });
  queue.on('error', onError('queue'));

  let worker: Worker | undefined;
  let events: Promise<QueueEvents> | undefined;
  let closing: Promise<void> | undefined;

  const queueEvents = (): Promise<QueueEvents> => {
    events ??= (async () => {
      // Read from the stream's current end, not `$`: BullMQ sends its first XREAD only after
      // some setup round trips (more on a Cluster), and `$` then skips a job that finished in
      // between, so `runNow` would wait for an event already written.
      const connection = newClient();
      const [last] = await connection.xrevrange(bullEventsKey(prefix, queueName), '+', '-', 'COUNT', 1);
      const lastEventId = last?.[0] ?? '0-0';
      const listener = new QueueEvents(queueName, { connection, prefix, lastEventId });
      listener.on('error', onError('events'));
      await listener.waitUntilReady();
      return listener;
    })();
    return events;
  };

  const assertOpen = () => {
    if (closing)
      throw new TradecacheError(ErrorCodes.ABORTED, 'job runtime is closing', { context: { queueName } });
  };

  async function enqueue(name: string, data?: unknown, opts: { jobId?: string } = {}): Promise<string> {
    assertOpen();
    const def = definitionOf(definitions, name);
    const jobId = opts.jobId === undefined ? undefined : assertJobId(opts.jobId);
    // With a custom id BullMQ ignores the add while a job with that id exists: idempotent enqueue.
    const job = await queue.add(name, data ?? {}, { ...jobOptions(def), jobId });
    if (job.id === undefined) throw new TradecacheError(ErrorCodes.REDIS_UNAVAILABLE, 'job was not added');
    return job.id;
  }

  async function runNow(name: string, data?: unknown, opts: RunNowOptions = {}): Promise<unknown> {
    assertOpen();
    const def = definitionOf(definitions, name);
    const waitMs = opts.waitMs ?? defaultWaitMs(def);
    // Listen before adding, so a fast worker cannot finish the job before we subscribe.
    const listener = await queueEvents();
    const job = await queue.add(name, data ?? {}, jobOptions(def));
    const context = { job: name, jobId: job.id };
    // BullMQ's own ttl (a bit later) only cleans its listeners; our timer decides.
    const finished = job.waitUntilFinished(listener, waitMs + 1_000);
    finished.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new TradecacheError(ErrorCodes.JOB_TIMEOUT, `no worker finished the job within ${waitMs} ms`, {
            context: { ...context, waitMs },
          }),
        );
      }, waitMs);
    });
    try {
      return await Promise.race([finished, gaveUp]);
    } catch (err) {
      if (err instanceof TradecacheError) throw err;
      if (closing)
        throw new TradecacheError(ErrorCodes.ABORTED, 'job runtime closed while waiting', { context });
      throw fromFailedReason(errorMessage(err), context);
    } finally {
      clearTimeout(timer);
    }
  }

  async function startWorker(): Promise<void> {
    assertOpen();
    if (worker) return;
    worker = new Worker(queueName, createJobProcessor({ definitions, logger: log, metrics }), {
      connection: newClient(),
      prefix,
      concurrency: options.concurrency ?? 1,
      name: `${os.hostname()}-${process.pid}`,
    });
    worker.on('error', onError('worker'));
    worker.on('stalled', (jobId) =>
      log.warn({ jobId }, 'job stalled (its worker died or was blocked); re-queued'),
    );
    await worker.waitUntilReady();
    log.info({ jobs: [...definitions.keys()], concurrency: worker.concurrency }, 'job worker started');
  }

  async function closeWorker(deadlineMs: number): Promise<void> {
    if (!worker) return;
    // close() stops fetching at once, then waits for the jobs in flight.
    const closed = worker.close();
    if (await settlesWithin(closed, deadlineMs)) return;
    log.warn({ deadlineMs }, 'jobs still running at the shutdown deadline; aborting them');
    // Each in-flight run rejects with ABORTED at once; BullMQ schedules its retry.
    worker.cancelAllJobs('shutdown deadline');
    await closed;
  }

  function close(deadlineMs = DEFAULT_CLOSE_DEADLINE_MS): Promise<void> {
    closing ??= (async () => {
      try {
        await closeWorker(deadlineMs);
      } catch (err) {
        log.warn({ error: errorMessage(err) }, 'worker did not close cleanly');
      }
      if (events) await (await events.catch(() => undefined))?.close().catch(() => {});
      await queue.close().catch(() => {});
      // Reverse creation order; BullMQ leaves caller-owned clients open, so we close them.
      for (const client of owned.reverse()) await closeRedisClient(client);
      log.info('job runtime closed');
    })();
    return closing;
  }

  return {
    queue,
    enqueue,
    runNow,
    startWorker,
    reconcileSchedulers: () => {
      assertOpen();
      return reconcileSchedulers(queue, definitions.values(), log);
    },
    enqueueStartupRuns: () => {
      assertOpen();
      return enqueueStartupRuns(queue, definitions.values(), bootId, log, undefined, options.startupScope);
    },
    schedulers: () => describeSchedulers(queue, definitions),
    close,
  };
}
