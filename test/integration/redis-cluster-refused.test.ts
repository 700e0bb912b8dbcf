import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import { startTestApp } from '../helpers/app.ts';
import { startTestRedisProcess, type TestRedisProcess } from '../helpers/sentinel.ts';

let node: TestRedisProcess;
let dataDir: string;

beforeAll(async () => {
  // A Cluster node that owns no slots yet: any key command on it would answer CLUSTERDOWN.
  node = await startTestRedisProcess(['cluster-enabled yes', 'cluster-config-file nodes.conf']);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-cluster-'));
});
afterAll(async () => {
  await node?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a Redis Cluster node given as one Redis', () => {
  it('is refused at start with one line naming the variable and the cluster setting, not half used', async () => {
    const err = await startTestApp({
      REDIS_URL: node.url,
      EXCHANGE: 'simulated',
      TRADECACHE_DATA_DIR: dataDir,
    }).then(
      async (app) => {
        await app.close();
        return new Error('the app started on a cluster node');
      },
      (e: Error) => e,
    );
    expect(isTradecacheError(err, 'CONFIG_INVALID')).toBe(true);
    expect(err.message).toBe(
      'invalid REDIS_URL: it leads to a Redis Cluster node; set REDIS_CLUSTER_NODES (or a redis+cluster:// URL) to use it as a cluster',
    );
    expect(err.message).not.toContain(node.password);
  });
});
