import { performance } from 'node:perf_hooks';
import { type Job, type Processor, UnrecoverableError } from 'bullmq';
import { ErrorCodes, errorMessage, isTradecacheError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { isUnrecoverable, toBullError } from './failures.ts';
import { runWithTimeLimit } from './time-limit.ts';
import type { JobDefinition } from './types.ts';

export interface JobProcessorDeps {
  definitions: ReadonlyMap<string, JobDefinition>;
  logger: Logger;
  metrics: Metrics;
}

/**
 * The one BullMQ processor of the queue: finds the definition by job name, runs it under its
 * time limit, counts and logs each attempt. Logs carry name, id, attempt and duration, never
 * the job data (it may hold symbols today and credentials tomorrow).
 */
export function createJobProcessor(deps: JobProcessorDeps): Processor {
  return async (job: Job, _token?: string, cancel?: AbortSignal) => {
    const jobId = job.id ?? 'unknown';
    const attempt = job.attemptsMade + 1;
    const log = deps.logger.child({ job: job.name, jobId, attempt });
    const def = deps.definitions.get(job.name);
    if (!def) {
      // Left by another deployment (or a typo in an enqueue elsewhere): retrying cannot help.
      deps.metrics.jobRuns.inc({ job: job.name, outcome: 'failed' });
      log.error('job has no definition in this process; failing it without retry');
      throw new UnrecoverableError(`${ErrorCodes.VALIDATION_FAILED}: unknown job`);
    }

    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    log.info({ timeoutMs: def.timeoutMs, maxAttempts: def.attempts }, 'job started');
    try {
      const result = await runWithTimeLimit((signal) => def.run(job.data, { signal, jobId, attempt, log }), {
        timeoutMs: def.timeoutMs,
        cancel,
        context: { job: job.name, jobId, attempt },
      });
      deps.metrics.jobRuns.inc({ job: job.name, outcome: 'completed' });
      deps.metrics.jobDuration.observe({ job: job.name, outcome: 'completed' }, elapsed() / 1000);
      log.info({ durationMs: elapsed() }, 'job completed');
      return result;
    } catch (err) {
      const timedOut = isTradecacheError(err, ErrorCodes.JOB_TIMEOUT);
      deps.metrics.jobRuns.inc({ job: job.name, outcome: timedOut ? 'timeout' : 'failed' });
      deps.metrics.jobDuration.observe(
        { job: job.name, outcome: timedOut ? 'timeout' : 'failed' },
        elapsed() / 1000,
      );
      const willRetry = !isUnrecoverable(err) && attempt < def.attempts;
      const fields = {
        durationMs: elapsed(),
        code: isTradecacheError(err) ? err.code : undefined,
        error: errorMessage(err),
        willRetry,
      };
      if (willRetry) log.warn(fields, timedOut ? 'job timed out; will retry' : 'job failed; will retry');
      else log.error(fields, timedOut ? 'job timed out' : 'job failed');
      throw toBullError(err);
    }
  };
}
