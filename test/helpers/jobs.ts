import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/load.ts';
import { SecretScrubber } from '../../src/config/redact.ts';
import type { RedisConfig } from '../../src/config/types.ts';
import { createJobRuntime, type JobDefinition, type JobRuntime } from '../../src/jobs/index.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/metrics.ts';
import { createRedisClient } from '../../src/redis/connection.ts';
import { createKeys } from '../../src/redis/keys/index.ts';

/** A job definition with short, test-friendly limits; `extra` overrides any field. */
export function testJob(name: string, extra: Partial<JobDefinition> = {}): JobDefinition {
  return {
    name,
    description: `test job ${name}`,
    timeoutMs: 5_000,
    attempts: 1,
    backoffMs: 10,
    keepCompleted: 50,
    keepFailed: 50,
    run: async () => name,
    ...extra,
  };
}

export const uniqueJobPrefix = (tag = 'j') => `${tag}${randomUUID().slice(0, 8)}`;

/**
 * A job runtime on `prefix` of the test Redis at `redisUrl`, like one process of a deployment.
 * `lines` collects its log lines. The caller closes it.
 */
export function startTestJobRuntime(
  redisUrl: string,
  definitions: JobDefinition[],
  prefix = uniqueJobPrefix(),
  options: { startupScope?: string; concurrency?: number } = {},
) {
  // Through loadConfig, so a redis+cluster:// test URL gives a Cluster config.
  const config: RedisConfig = {
    ...loadConfig({ REDIS_URL: redisUrl }).redis,
    maxConnections: 10,
    keyPrefix: prefix,
    commandTimeoutMs: 2_000,
    maxOfflineQueue: 100,
  };
  const lines: string[] = [];
  const metrics = new Metrics();
  const jobs: JobRuntime = createJobRuntime({
    connection: () => createRedisClient(config, { role: 'worker', forBullmq: true }),
    prefix: createKeys(prefix).bullPrefix,
    definitions,
    logger: createLogger({
      level: 'info',
      scrubber: new SecretScrubber(),
      write: (line) => lines.push(line),
    }),
    metrics,
    ...options,
  });
  return { jobs, lines, metrics, prefix };
}
