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

function processOf(prefix: string, definitions: JobDefinition[]): JobRuntime {
  const { jobs } = startTestJobRuntime(redis.url, definitions, prefix);
  runtimes.push(jobs);
  return jobs;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Once a year: never due again while the test runs. */
const YEARLY = { pattern: '0 0 1 1 *', tz: 'UTC' };

describe('cron job schedulers', () => {
  it('runs a cron job on its pattern', async () => {
    const runs: string[] = [];
    const jobs = processOf(uniqueJobPrefix('jc'), [
      testJob('maintenance', {
        cron: { pattern: '* * * * * *', tz: 'UTC' },
        run: async (_d, ctx) => void runs.push(ctx.jobId),
      }),
    ]);
    await jobs.reconcileSchedulers();
    await jobs.startWorker();
    await waitFor(() => runs.length >= 2, 10_000);
    const [scheduler] = await jobs.schedulers();
    expect(scheduler).toMatchObject({ id: 'maintenance', pattern: '* * * * * *', declared: true });
  });

  it('runs a run missed while no worker was up once at the next start, not once per missed occurrence', async () => {
    const prefix = uniqueJobPrefix('jc');
    // A deployment whose workers are all down: the scheduler exists, nothing takes its runs.
    const down = processOf(prefix, [testJob('maintenance', { cron: { pattern: '* * * * * *', tz: 'UTC' } })]);
    await down.reconcileSchedulers();
    // Several occurrences (one per second) pass with nobody working.
    await sleep(3_500);
    await down.close();

    const runs: string[] = [];
    const up = processOf(prefix, [
      testJob('maintenance', { cron: YEARLY, run: async (_d, ctx) => void runs.push(ctx.jobId) }),
    ]);
    const second = processOf(prefix, [testJob('maintenance', { cron: YEARLY })]);
    // Two processes boot together: both see the missed run, one catch-up is queued.
    const [a, b] = await Promise.all([up.reconcileSchedulers(), second.reconcileSchedulers()]);
    expect([...a.caughtUp, ...b.caughtUp].length).toBeGreaterThanOrEqual(1);
    await up.startWorker();
    await waitFor(() => runs.length >= 1, 10_000);
    await sleep(1_500);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^catchup-maintenance-\d+$/);

    // A third boot after the catch-up ran finds nothing missed.
    const again = processOf(prefix, [testJob('maintenance', { cron: YEARLY })]);
    expect((await again.reconcileSchedulers()).caughtUp).toEqual([]);
  });

  it('does not run anything at start when no run was missed', async () => {
    const prefix = uniqueJobPrefix('jc');
    const runs: string[] = [];
    const first = processOf(prefix, [testJob('maintenance', { cron: YEARLY })]);
    await first.reconcileSchedulers();
    await first.close();
    const next = processOf(prefix, [
      testJob('maintenance', { cron: YEARLY, run: async (_d, ctx) => void runs.push(ctx.jobId) }),
    ]);
    expect((await next.reconcileSchedulers()).caughtUp).toEqual([]);
    await next.startWorker();
    await sleep(1_000);
    expect(runs).toEqual([]);
  });
});
