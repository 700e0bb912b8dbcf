import type { JobsOptions } from 'bullmq';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { JobDefinition } from './types.ts';

/** Job names and custom job ids: BullMQ uses ':' as its key separator and rejects integer ids. */
const JOB_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const JOB_ID = /^[A-Za-z0-9_.-]{1,128}$/;

function invalid(message: string, context: Record<string, unknown>): TradecacheError {
  return new TradecacheError(ErrorCodes.CONFIG_INVALID, message, { context });
}

function assertPositiveInt(name: string, field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw invalid(`job ${name}: ${field} must be an integer >= ${min}`, { job: name, field, value });
  }
}

/**
 * Checks a definition list once, at runtime creation, so a typo in a processor file fails the
 * boot instead of the first run at 3 a.m. Returns the definitions by name.
 */
export function indexDefinitions(definitions: readonly JobDefinition[]): ReadonlyMap<string, JobDefinition> {
  const byName = new Map<string, JobDefinition>();
  for (const def of definitions) {
    if (!JOB_NAME.test(def.name)) {
      throw invalid('job name must be letters, digits, _ . - (no ":"), starting with a letter', {
        job: def.name.slice(0, 64),
      });
    }
    if (byName.has(def.name)) throw invalid(`job ${def.name} is defined twice`, { job: def.name });
    if (typeof def.run !== 'function') throw invalid(`job ${def.name} has no run()`, { job: def.name });
    assertPositiveInt(def.name, 'timeoutMs', def.timeoutMs, 1);
    assertPositiveInt(def.name, 'attempts', def.attempts, 1);
    assertPositiveInt(def.name, 'backoffMs', def.backoffMs, 0);
    assertPositiveInt(def.name, 'keepCompleted', def.keepCompleted, 0);
    assertPositiveInt(def.name, 'keepFailed', def.keepFailed, 0);
    if (def.every !== undefined) assertPositiveInt(def.name, 'every', def.every, 1);
    if (def.every !== undefined && def.cron !== undefined) {
      throw invalid(`job ${def.name} has both every and cron`, { job: def.name });
    }
    byName.set(def.name, def);
  }
  return byName;
}

/** The definition of `name`, or VALIDATION_FAILED (a caller asked for a job that does not exist). */
export function definitionOf(byName: ReadonlyMap<string, JobDefinition>, name: string): JobDefinition {
  const def = byName.get(name);
  if (!def) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'unknown job', {
      context: { job: name.slice(0, 64), known: [...byName.keys()] },
    });
  }
  return def;
}

/** Rejects job ids BullMQ would refuse or misparse, before they reach Redis. */
export function assertJobId(jobId: string): string {
  if (!JOB_ID.test(jobId) || /^\d+$/.test(jobId)) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      'job id must be letters, digits, _ . - and not a number',
      {
        context: { jobId: jobId.slice(0, 64) },
      },
    );
  }
  return jobId;
}

/** Retry and retention options every job of a definition carries (direct, scheduled or startup). */
export function jobOptions(def: JobDefinition): JobsOptions {
  return {
    attempts: def.attempts,
    backoff: { type: 'exponential', delay: def.backoffMs },
    removeOnComplete: { count: def.keepCompleted },
    removeOnFail: { count: def.keepFailed },
  };
}
