import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RedisConfig } from '../../src/config/types.ts';
import type { JobDefinition } from '../../src/jobs/index.ts';
import {
  closeRedisClient,
  connectRedisClient,
  createRedisClient,
  type RedisClient,
} from '../../src/redis/connection.ts';
import { startTestJobRuntime, testJob, uniqueJobPrefix } from '../helpers/jobs.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { recordFigures } from './support/figures.ts';

const JOBS = 20_000;
const PRODUCERS = 16;
const WORKERS = 2;
const CONCURRENCY = 32;
const RESTART_AFTER = 8_000;
const DOWN_MS = 1_000;

let redis: TestRedis;
let effects: RedisClient;
const prefix = uniqueJobPrefix('chaos');
// The effect's own keys, under the test's prefix: a ledger entry per idempotency key (written
// once) and a run counter per key (every delivery, to count redeliveries).
const LEDGER = `${prefix}:chaos:ledger`;
const RUNS = `${prefix}:chaos:runs`;

beforeAll(async () => {
  redis = await startTestRedis({ appendfsync: 'always' });
  const config: RedisConfig = {
    url: redis.url,
    source: 'REDIS_URL',
    tls: false,
    maxConnections: 10,
    keyPrefix: prefix,
    commandTimeoutMs: 2_000,
    maxOfflineQueue: 1_000,
    durableReplicas: 0,
    durableWaitMs: 500,
    appendfsync: 'always',
  };
  effects = createRedisClient(config, { role: 'command' });
  // The outage is the point: its connection errors are expected, and retried by the jobs.
  effects.on('error', () => {});
  await connectRedisClient(effects, config);
});
afterAll(async () => {
  if (effects) await closeRedisClient(effects);
  await redis?.destroy();
});

/** A ledger posting keyed by its idempotency key: a redelivered job finds it posted and skips. */
const postEntry: JobDefinition<{ key: string; amount: string }> = testJob('post-ledger-entry', {
  attempts: 10,
  backoffMs: 200,
  keepCompleted: JOBS,
  keepFailed: JOBS,
  run: async ({ key, amount }) => {
    await effects.hincrby(RUNS, key, 1);
    const posted = await effects.hsetnx(LEDGER, key, amount);
    return posted === 1 ? 'posted' : 'already posted';
  },
});

async function retrying<T>(attempt: () => Promise<T>): Promise<{ value: T; failures: number }> {
  for (let failures = 0; ; failures++) {
    try {
      return { value: await attempt(), failures };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

it('runs 20,000 jobs across a Redis kill and restart: none lost, each effect applied once', async () => {
  const runtimes = Array.from({ length: WORKERS }, () =>
    startTestJobRuntime(redis.url, [postEntry], prefix, { concurrency: CONCURRENCY }),
  );
  for (const { jobs } of runtimes) await jobs.startWorker();
  const producer = runtimes[0]?.jobs;
  if (!producer) throw new Error('no runtime');

  let next = 0;
  let enqueueFailures = 0;
  let restart: Promise<void> | null = null;
  let killedAt = 0;
  let backAt = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < JOBS) {
        const n = next++;
        if (n === RESTART_AFTER) {
          restart = (async () => {
            await redis.kill();
            killedAt = Date.now();
            await new Promise((r) => setTimeout(r, DOWN_MS));
            await redis.restart();
            backAt = Date.now();
          })();
        }
        // The producer retries until Redis takes the job; the job id is its idempotency key,
        // so a retried enqueue that had in fact landed adds nothing.
        const { failures } = await retrying(() =>
          producer.enqueue(
            'post-ledger-entry',
            { key: `e${n}`, amount: `${n}.00000001` },
            { jobId: `e${n}` },
          ),
        );
        enqueueFailures += failures;
      }
    }),
  );
  await restart;
  const enqueuedAt = Date.now();
  await waitFor(async () => (await effects.hlen(LEDGER)) >= JOBS, 120_000, 250);
  const finishedAt = Date.now();

  const ledger = await effects.hgetall(LEDGER);
  const runs = await effects.hgetall(RUNS);
  const missing = Array.from({ length: JOBS }, (_, n) => `e${n}`).filter((key) => ledger[key] === undefined);
  const wrong = Object.entries(ledger).filter(([key, amount]) => amount !== `${key.slice(1)}.00000001`);
  const totalRuns = Object.values(runs).reduce((sum, n) => sum + Number(n), 0);
  const redelivered = Object.values(runs).filter((n) => Number(n) > 1).length;
  const counts = await producer.queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
  const stalledLines = runtimes.flatMap((r) => r.lines).filter((l) => l.includes('job stalled')).length;
  for (const { jobs } of runtimes) await jobs.close();

  await recordFigures({
    id: 'jobs-redis-restart',
    order: 4,
    title: '20,000 jobs with Redis killed and restarted mid-run',
    setup:
      `${PRODUCERS} producers enqueue ${JOBS.toLocaleString('en-US')} jobs (job id = idempotency key) into one BullMQ ` +
      `queue; ${WORKERS} job runtimes with ${CONCURRENCY} concurrent runs each work them. Each job posts a ledger ` +
      'entry under its key with HSETNX (a redelivery finds it posted) and counts its run. After ' +
      `${RESTART_AFTER.toLocaleString('en-US')} enqueues Redis (AOF \`appendfsync always\`) gets \`kill -9\`, stays ` +
      `down ${DOWN_MS} ms and restarts on the same port and data dir. Every key must be posted exactly once with ` +
      'its own amount.',
    rows: [
      { measure: 'jobs enqueued', value: JOBS, unit: 'jobs' },
      { measure: 'ledger entries posted', value: Object.keys(ledger).length, unit: 'entries' },
      { measure: 'jobs lost (no entry; must be 0)', value: missing.length, unit: 'jobs' },
      { measure: 'entries with a wrong amount (must be 0)', value: wrong.length, unit: 'entries' },
      { measure: 'runs in all', value: totalRuns, unit: 'runs' },
      {
        measure: 'redeliveries (runs beyond the first)',
        value: totalRuns - Object.keys(runs).length,
        unit: 'runs',
      },
      { measure: '  jobs run more than once', value: redelivered, unit: 'jobs' },
      { measure: '  stalled jobs re-queued by BullMQ (log lines)', value: stalledLines, unit: 'jobs' },
      {
        measure: 'enqueue attempts refused while Redis was down (retried)',
        value: enqueueFailures,
        unit: 'attempts',
      },
      {
        measure: 'BullMQ completed / failed at the end',
        value: `${counts.completed} / ${counts.failed}`,
        unit: 'jobs',
      },
      { measure: 'Redis down (kill → answers again)', value: backAt - killedAt, unit: 'ms' },
      { measure: 'all enqueued after', value: enqueuedAt - started, unit: 'ms' },
      { measure: 'all posted after', value: finishedAt - started, unit: 'ms' },
    ],
    held: missing.length === 0 && wrong.length === 0,
  });

  expect(missing).toEqual([]);
  expect(wrong).toEqual([]);
});
