import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isTradecacheError, TradecacheError } from '../../src/errors.ts';
import type { JobDefinition, JobRuntime } from '../../src/jobs/index.ts';
import type { Metrics } from '../../src/metrics.ts';
import { isCluster } from '../../src/redis/client.ts';
import { startTestJobRuntime, testJob, uniqueJobPrefix } from '../helpers/jobs.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

let redis: TestRedis;
const runtimes: JobRuntime[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close(100);
});
afterAll(async () => {
  await redis?.destroy();
});

function job(name: string, run: JobDefinition['run'], extra: Partial<JobDefinition> = {}): JobDefinition {
  return testJob(name, { run, ...extra });
}

/** A runtime on a prefix no other test uses; `lines` collects its log lines. */
function runtime(definitions: JobDefinition[], prefix = uniqueJobPrefix('jr')) {
  const started = startTestJobRuntime(redis.url, definitions, prefix);
  runtimes.push(started.jobs);
  return started;
}

async function runs(metrics: Metrics, jobName: string, outcome: string): Promise<number> {
  const { values } = await metrics.jobRuns.get();
  return values.find((v) => v.labels.job === jobName && v.labels.outcome === outcome)?.value ?? 0;
}

async function rejection(promise: Promise<unknown>): Promise<TradecacheError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TradecacheError)) throw new Error(`expected a TradecacheError, got ${String(err)}`);
  return err;
}

describe('job runs', () => {
  it('runNow returns the result of the run', async () => {
    const { jobs } = runtime([
      job('symbols-spot', async (data: { market: string }) => ({ market: data.market, symbols: 3 })),
    ]);
    await jobs.startWorker();
    await expect(jobs.runNow('symbols-spot', { market: 'spot' })).resolves.toEqual({
      market: 'spot',
      symbols: 3,
    });
  });

  it('aborts a run that overruns its time limit and fails it with JOB_TIMEOUT after all attempts', async () => {
    const aborts: unknown[] = [];
    const hang = job(
      'slow-feed',
      (_data, ctx) =>
        new Promise(() => {
          ctx.signal.addEventListener('abort', () => aborts.push(ctx.signal.reason));
        }),
      { timeoutMs: 80, attempts: 2 },
    );
    const { jobs, metrics } = runtime([hang]);
    await jobs.startWorker();
    const err = await rejection(jobs.runNow('slow-feed'));
    expect(err.code).toBe(ErrorCodes.JOB_TIMEOUT);
    expect(aborts).toHaveLength(2);
    expect(aborts.every((reason) => isTradecacheError(reason, ErrorCodes.JOB_TIMEOUT))).toBe(true);
    expect(await runs(metrics, 'slow-feed', 'timeout')).toBe(2);
  });

  it('retries a failing job `attempts` times, then fails it', async () => {
    const attempts: number[] = [];
    const { jobs, metrics } = runtime([
      job(
        'prices',
        async (_data, ctx) => {
          attempts.push(ctx.attempt);
          throw new Error('exchange unreachable');
        },
        { attempts: 3 },
      ),
    ]);
    await jobs.startWorker();
    const err = await rejection(jobs.runNow('prices'));
    expect(err.message).toContain('exchange unreachable');
    expect(attempts).toEqual([1, 2, 3]);
    expect(await runs(metrics, 'prices', 'failed')).toBe(3);
  });

  it('succeeds on a retry when the failure was transient', async () => {
    let calls = 0;
    const { jobs } = runtime([
      job(
        'ohlcv',
        async () => {
          calls += 1;
          if (calls < 3) throw new TradecacheError(ErrorCodes.EXCHANGE_UNAVAILABLE, 'HTTP 503');
          return 'filled';
        },
        { attempts: 3 },
      ),
    ]);
    await jobs.startWorker();
    await expect(jobs.runNow('ohlcv')).resolves.toBe('filled');
    expect(calls).toBe(3);
  });

  it('does not retry an unrecoverable error and keeps its code', async () => {
    let calls = 0;
    const { jobs } = runtime([
      job(
        'klines',
        async () => {
          calls += 1;
          throw new TradecacheError(ErrorCodes.EXCHANGE_INVALID_SYMBOL, 'unknown symbol FOOBAR');
        },
        { attempts: 5 },
      ),
    ]);
    await jobs.startWorker();
    const err = await rejection(jobs.runNow('klines'));
    expect(err.code).toBe(ErrorCodes.EXCHANGE_INVALID_SYMBOL);
    expect(calls).toBe(1);
  });

  it('runs a job enqueued twice with the same jobId once', async () => {
    let warmups = 0;
    let sentinels = 0;
    const { jobs } = runtime([
      job('warmup', async () => {
        warmups += 1;
      }),
      job('sentinel', async () => {
        sentinels += 1;
      }),
    ]);
    expect(await jobs.enqueue('warmup', {}, { jobId: 'warmup-spot-1' })).toBe('warmup-spot-1');
    expect(await jobs.enqueue('warmup', {}, { jobId: 'warmup-spot-1' })).toBe('warmup-spot-1');
    await jobs.startWorker();
    await waitFor(() => warmups === 1);
    // Still kept as completed: a third enqueue is ignored too. Jobs run in order, so once the
    // sentinel queued after it has run, a duplicate would have run as well.
    await jobs.enqueue('warmup', {}, { jobId: 'warmup-spot-1' });
    await jobs.enqueue('sentinel');
    await waitFor(() => sentinels === 1);
    expect(warmups).toBe(1);
  });

  it('keeps at most keepCompleted completed jobs and keepFailed failed jobs', async () => {
    let done = 0;
    const { jobs } = runtime([
      job(
        'alerts',
        async () => {
          done += 1;
        },
        { keepCompleted: 2 },
      ),
      job(
        'broken',
        async () => {
          done += 1;
          throw new Error('boom');
        },
        { keepFailed: 1 },
      ),
    ]);
    for (let i = 0; i < 5; i++) await jobs.enqueue('alerts');
    for (let i = 0; i < 3; i++) await jobs.enqueue('broken');
    await jobs.startWorker();
    await waitFor(async () => done === 8 && (await jobs.queue.getActiveCount()) === 0);
    expect(await jobs.queue.getCompletedCount()).toBe(2);
    expect(await jobs.queue.getFailedCount()).toBe(1);
  });

  it('gives up waiting with JOB_TIMEOUT when no worker runs the job', async () => {
    const { jobs } = runtime([job('symbols', async () => 1)]);
    const err = await rejection(jobs.runNow('symbols', {}, { waitMs: 200 }));
    expect(err.code).toBe(ErrorCodes.JOB_TIMEOUT);
    expect(await jobs.queue.getWaitingCount()).toBe(1);
  });

  it('rejects unknown jobs, bad job ids and names containing ":"', async () => {
    const { jobs } = runtime([job('symbols', async () => 1)]);
    expect((await rejection(jobs.enqueue('nope'))).code).toBe(ErrorCodes.VALIDATION_FAILED);
    expect((await rejection(jobs.enqueue('symbols', {}, { jobId: 'a:b' }))).code).toBe(
      ErrorCodes.VALIDATION_FAILED,
    );
    expect(() => runtime([job('cache:warmup', async () => 1)])).toThrow(/no ":"/);
  });

  it('logs start and finish with name, id, attempt and duration but never the job data', async () => {
    const { jobs, lines } = runtime([job('sessions', async () => 'ok')]);
    await jobs.startWorker();
    await jobs.runNow('sessions', { apiKey: 'SUPER-SECRET-API-KEY' });
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const finished = records.find((r) => r.msg === 'job completed');
    expect(records.some((r) => r.msg === 'job started')).toBe(true);
    expect(finished).toMatchObject({ job: 'sessions', attempt: 1 });
    expect(typeof finished?.jobId).toBe('string');
    expect(typeof finished?.durationMs).toBe('number');
    expect(lines.join('\n')).not.toContain('SUPER-SECRET-API-KEY');
  });
});

describe('closing the job runtime', () => {
  it('closes every Redis connection it opened', async () => {
    const probe = redis.client();
    await probe.connect();
    // CLIENT LIST of every node: on a Cluster each one holds some of the runtime's connections.
    const clients = async () => {
      let count = 0;
      for (const node of isCluster(probe) ? probe.nodes('all') : [probe]) {
        count += String(await node.client('LIST'))
          .trim()
          .split('\n').length;
      }
      return count;
    };
    try {
      const before = await clients();
      const { jobs } = runtime([job('symbols', async () => 1)]);
      await jobs.startWorker();
      await jobs.runNow('symbols');
      expect(await clients()).toBeGreaterThan(before);
      await jobs.close(1_000);
      await waitFor(async () => (await clients()) <= before);
    } finally {
      await probe.quit();
    }
  });

  it('waits for a job in flight that finishes before the deadline', async () => {
    let started = false;
    let finishedWith: boolean | undefined;
    const { jobs, prefix } = runtime([
      job('market-feed', async (_data, ctx) => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        finishedWith = ctx.signal.aborted;
      }),
    ]);
    await jobs.startWorker();
    const id = await jobs.enqueue('market-feed');
    await waitFor(() => started);
    await jobs.close(5_000);
    expect(finishedWith).toBe(false);
    const observer = runtime([], prefix).jobs;
    expect(await observer.queue.getJobState(id)).toBe('completed');
  });

  it('aborts a job still running at the deadline and leaves it for a retry', async () => {
    let reason: unknown;
    const { jobs, prefix } = runtime([
      job(
        'history-import',
        (_data, ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              resolve(undefined);
            });
          }),
        { attempts: 2, backoffMs: 60_000 },
      ),
    ]);
    await jobs.startWorker();
    const id = await jobs.enqueue('history-import');
    await waitFor(async () => (await jobs.queue.getJobState(id)) === 'active');
    await jobs.close(100);
    expect(isTradecacheError(reason, ErrorCodes.ABORTED)).toBe(true);
    const observer = runtime([], prefix).jobs;
    expect(await observer.queue.getJobState(id)).toBe('delayed');
  });
});
