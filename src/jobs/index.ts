/** Background jobs on BullMQ: definitions, the runtime that schedules and runs them. */
export { assertJobId, indexDefinitions, jobOptions } from './definitions.ts';
export { fromFailedReason, isUnrecoverable, toBullError, UNCODED_JOB_FAILURE } from './failures.ts';
export { createJobRuntime, DEFAULT_CLOSE_DEADLINE_MS } from './runner.ts';
export { STARTUP_DEDUP_WINDOW_MS } from './startup.ts';
export { runWithTimeLimit } from './time-limit.ts';
export type {
  EnqueueOptions,
  JobContext,
  JobDefinition,
  JobRuntime,
  JobRuntimeOptions,
  JobSchedulerStatus,
  RunNowOptions,
} from './types.ts';
