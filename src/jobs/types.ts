import type { Queue } from 'bullmq';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RedisClient } from '../redis/connection.ts';

/** What a job's `run` receives besides its data. */
export interface JobContext {
  /**
   * Fires when the job must stop: its time limit passed (reason: TradecacheError JOB_TIMEOUT) or
   * the process is shutting down past its deadline (reason: TradecacheError ABORTED). Pass it
   * to fetch/Redis calls so the work really stops, not only the wait for it.
   */
  signal: AbortSignal;
  jobId: string;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
  /** A child logger bound to the job name, id and attempt. */
  log: Logger;
}

/**
 * One kind of background job (the Celery task + beat entry of the Python platform). Definitions are plain
 * data plus `run`; the runtime turns them into BullMQ jobs, schedulers and a worker.
 */
// biome-ignore lint/suspicious/noExplicitAny: a definition list mixes jobs with different data types
export interface JobDefinition<Data = any> {
  /** Unique within the queue; also the scheduler id. Must not contain ':' (BullMQ key separator). */
  name: string;
  description: string;
  /** Repeat every this many ms through a BullMQ job scheduler (Celery beat). Omit for on-demand jobs. */
  every?: number;
  /**
   * Or run on a cron pattern (5 or 6 fields, read in `tz`) through a BullMQ job scheduler. A run
   * due while no worker was up runs once at the next start (see `reconcileSchedulers`).
   */
  cron?: { pattern: string; tz: string };
  /** Enqueue one run when a worker process boots (deduplicated across processes booting together). */
  runAtStart?: boolean;
  /** Time limit of one attempt; the signal fires and the attempt fails with JOB_TIMEOUT after it. */
  timeoutMs: number;
  /** Total runs allowed, first one included (1 = no retry). */
  attempts: number;
  /** Exponential backoff base: retry n waits `backoffMs * 2^(n-1)`. */
  backoffMs: number;
  /** Completed jobs kept in Redis for inspection; older ones are removed. */
  keepCompleted: number;
  /** Failed jobs kept in Redis for inspection; older ones are removed. */
  keepFailed: number;
  run(data: Data, ctx: JobContext): Promise<unknown>;
}

export interface JobRuntimeOptions {
  /**
   * Returns a NEW, not yet connected ioredis client configured for BullMQ
   * (`createRedisClient(config, { role, forBullmq: true })`). The runtime owns and closes
   * every client it gets from here.
   */
  connection: () => RedisClient;
  /** BullMQ key prefix: `keys.bullPrefix` (`{<prefix>:bull}`, a Redis Cluster hash tag). */
  prefix: string;
  /** @default 'jobs' */
  queueName?: string;
  definitions: readonly JobDefinition[];
  logger: Logger;
  metrics: Metrics;
  /** Jobs one worker runs at the same time. @default 1 */
  concurrency?: number;
  /**
   * Processes share a startup run only within one scope (the exchange: a demo never takes the
   * run of a Binance start). @default none, every process shares
   */
  startupScope?: string;
}

export interface EnqueueOptions {
  /**
   * Idempotency key: while a job with this id exists in the queue (waiting, active, or kept
   * as completed/failed), enqueueing it again does nothing and returns the same id.
   * Letters, digits, `_.-` only.
   */
  jobId?: string;
}

export interface RunNowOptions {
  /**
   * How long to wait for a worker to finish the job before giving up with JOB_TIMEOUT (the job
   * itself stays queued). @default the job's worst case: attempts × timeout + backoffs + 30 s
   */
  waitMs?: number;
}

/** A job scheduler as stored in Redis, for /metrics or a status route. */
export interface JobSchedulerStatus {
  /** Scheduler id (the job name for schedulers this runtime declares). */
  id: string;
  /** Name of the jobs it produces. */
  job: string;
  every: number | null;
  /** Cron pattern, for cron schedulers. */
  pattern: string | null;
  /** Epoch ms of the next run, when known. */
  nextRunAt: number | null;
  /** Jobs produced so far. */
  iterations: number;
  /** Whether the current definitions declare it (false: left by an older deployment). */
  declared: boolean;
}

export interface JobRuntime {
  /** The BullMQ queue, for status routes and tests. */
  readonly queue: Queue;
  /** Adds one run of `name`; returns the job id. */
  enqueue(name: string, data?: unknown, opts?: EnqueueOptions): Promise<string>;
  /** Enqueues one run and waits for its result (a worker must be running somewhere). */
  runNow(name: string, data?: unknown, opts?: RunNowOptions): Promise<unknown>;
  /** Starts this process's worker; only the process that runs jobs calls it. */
  startWorker(): Promise<void>;
  /** Makes the queue's schedulers match the definitions with `every` or `cron`. Idempotent. */
  reconcileSchedulers(): Promise<{ upserted: string[]; removed: string[]; caughtUp: string[] }>;
  /** Enqueues one run of each `runAtStart` definition; returns the names actually enqueued. */
  enqueueStartupRuns(): Promise<string[]>;
  schedulers(): Promise<JobSchedulerStatus[]>;
  /**
   * Stops taking jobs, lets jobs in flight finish for up to `deadlineMs`, then aborts them via
   * their signal (they fail with ABORTED and are retried later by any worker), and closes the
   * worker, queue, events and every connection the runtime opened.
   */
  close(deadlineMs?: number): Promise<void>;
}
