import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobDefinition, JobRuntime } from '../../src/jobs/index.ts';
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

function job(name: string, extra: Partial<JobDefinition> = {}): JobDefinition {
  return testJob(name, { keepCompleted: 10, keepFailed: 10, ...extra });
}

/** One "process" of a deployment: a runtime on `prefix` (shared by the processes of one test). */
function processOf(prefix: string, definitions: JobDefinition[], startupScope?: string): JobRuntime {
  const { jobs } = startTestJobRuntime(redis.url, definitions, prefix, startupScope ? { startupScope } : {});
  runtimes.push(jobs);
  return jobs;
}

const uniquePrefix = () => uniqueJobPrefix('js');

describe('job schedulers', () => {
  it('runs a scheduled job repeatedly through the worker', async () => {
    const ticks: string[] = [];
    const jobs = processOf(uniquePrefix(), [
      job('prices-refresh', { every: 200, run: async (_data, ctx) => void ticks.push(ctx.jobId) }),
    ]);
    await jobs.reconcileSchedulers();
    await jobs.startWorker();
    await waitFor(() => ticks.length >= 3);
    // Each tick is its own job, not one job re-run.
    expect(new Set(ticks).size).toBe(ticks.length);
  });

  it('removes a scheduler an earlier deployment left and keeps the declared ones, idempotently', async () => {
    const prefix = uniquePrefix();
    const previous = processOf(prefix, [
      job('legacy-warmup', { every: 60_000 }),
      job('symbols-spot', { every: 60_000 }),
    ]);
    await previous.reconcileSchedulers();
    await previous.close();

    const current = processOf(prefix, [
      job('symbols-spot', { every: 60_000 }),
      job('prices', { every: 30_000 }),
      job('on-demand'),
    ]);
    const first = await current.reconcileSchedulers();
    expect(first.removed).toEqual(['legacy-warmup']);
    expect([...first.upserted].sort()).toEqual(['prices', 'symbols-spot']);

    const second = await current.reconcileSchedulers();
    expect(second.removed).toEqual([]);

    const schedulers = await current.schedulers();
    expect(schedulers.map((s) => [s.id, s.every, s.declared]).sort()).toEqual([
      ['prices', 30_000, true],
      ['symbols-spot', 60_000, true],
    ]);
    expect(schedulers.every((s) => typeof s.nextRunAt === 'number')).toBe(true);
    // One pending run per scheduler: re-upserting did not pile up runs, and the legacy one is gone.
    const pending = await current.queue.getJobs(['delayed', 'waiting', 'prioritized']);
    expect(pending.map((j) => j.name).sort()).toEqual(['prices', 'symbols-spot']);
  });

  it('reports a stale scheduler as undeclared before reconcile removes it', async () => {
    const prefix = uniquePrefix();
    const previous = processOf(prefix, [job('legacy-warmup', { every: 60_000 })]);
    await previous.reconcileSchedulers();
    const api = processOf(prefix, [job('symbols-spot', { every: 60_000 })]);
    expect(await api.schedulers()).toMatchObject([
      { id: 'legacy-warmup', job: 'legacy-warmup', declared: false },
    ]);
  });
});

describe('startup runs', () => {
  it('runs a runAtStart job once when two processes boot together', async () => {
    const prefix = uniquePrefix();
    let warmups = 0;
    const warmup = job('symbols-warmup', {
      runAtStart: true,
      run: async () => {
        warmups += 1;
      },
    });
    const sentinel = job('sentinel');
    const a = processOf(prefix, [warmup, sentinel]);
    const b = processOf(prefix, [warmup, sentinel]);
    const [fromA, fromB] = await Promise.all([a.enqueueStartupRuns(), b.enqueueStartupRuns()]);
    expect([...fromA, ...fromB]).toEqual(['symbols-warmup']);
    await a.startWorker();
    // Jobs run in order: once the sentinel ran, any second startup run would have run too.
    await expect(a.runNow('sentinel')).resolves.toBe('sentinel');
    expect(warmups).toBe(1);
  });

  it('does not run it again for a process booting just after the first one finished it', async () => {
    const prefix = uniquePrefix();
    let warmups = 0;
    const warmup = job('symbols-warmup', {
      runAtStart: true,
      run: async () => {
        warmups += 1;
      },
    });
    const first = processOf(prefix, [warmup]);
    expect(await first.enqueueStartupRuns()).toEqual(['symbols-warmup']);
    await first.startWorker();
    await waitFor(async () => warmups === 1 && (await first.queue.getCompletedCount()) === 1);
    expect(await processOf(prefix, [warmup]).enqueueStartupRuns()).toEqual([]);
  });

  it('enqueues a new run for a process booting just after the previous startup run failed', async () => {
    const prefix = uniquePrefix();
    let fail = true;
    let warmups = 0;
    const warmup = job('symbols-warmup', {
      runAtStart: true,
      run: async () => {
        if (fail) throw new Error('exchange unreachable');
        warmups += 1;
      },
    });
    const first = processOf(prefix, [warmup]);
    expect(await first.enqueueStartupRuns()).toEqual(['symbols-warmup']);
    await first.startWorker();
    await waitFor(async () => (await first.queue.getFailedCount()) === 1);
    fail = false;
    const second = processOf(prefix, [warmup]);
    expect(await second.enqueueStartupRuns()).toEqual(['symbols-warmup']);
    await waitFor(async () => warmups === 1);
  });

  it('never shares a startup run between processes of different scopes (exchanges)', async () => {
    const prefix = uniquePrefix();
    const warmup = job('symbols-warmup', { runAtStart: true });
    expect(await processOf(prefix, [warmup], 'binance').enqueueStartupRuns()).toEqual(['symbols-warmup']);
    expect(await processOf(prefix, [warmup], 'simulated').enqueueStartupRuns()).toEqual(['symbols-warmup']);
    expect(await processOf(prefix, [warmup], 'simulated').enqueueStartupRuns()).toEqual([]);
  });

  it('skips definitions without runAtStart', async () => {
    const jobs = processOf(uniquePrefix(), [
      job('ohlcv-backfill'),
      job('symbols-warmup', { runAtStart: true }),
    ]);
    expect(await jobs.enqueueStartupRuns()).toEqual(['symbols-warmup']);
    expect((await jobs.queue.getJobs(['waiting'])).map((j) => j.name)).toEqual(['symbols-warmup']);
  });
});
