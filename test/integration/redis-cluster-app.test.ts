import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, runCli, startService } from '../helpers/cli.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

const ADMIN_TOKEN = 'admin-token-for-the-cluster-test-0123';

let cluster: TestCluster;
let dataDir: string;
let service: RunningService | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-cluster-app-'));
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await cluster?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

/** Seed nodes only: the client must learn the other masters and the replicas itself. */
const env = () => ({
  REDIS_CLUSTER_NODES: cluster.nodes
    .slice(0, 2)
    .map((n) => n.address)
    .join(','),
  REDIS_PASSWORD: cluster.password,
  EXCHANGE: 'simulated',
  TRADECACHE_DATA_DIR: dataDir,
  ADMIN_TOKEN,
});

describe('tradecache on a Redis Cluster', () => {
  it('starts with REDIS_CLUSTER_NODES, serves symbols, and shows every master on /ready', async () => {
    service = await startService(['start'], env(), 60_000);
    const symbols = await fetch(`${service.url}/api/v1/symbols/spot`);
    expect(symbols.status).toBe(200);
    expect(((await symbols.json()) as { symbols: unknown[] }).symbols.length).toBeGreaterThan(0);

    const ready = await fetch(`${service.url}/ready`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { redis: { mode: string; masters: string[] } };
    expect(body.redis.mode).toBe('cluster');
    expect(body.redis.masters).toEqual(await cluster.masters());
    // No embedded redis-server was started for a cluster: nothing in the data dir's redis/.
    await expect(access(path.join(dataDir, 'redis'))).rejects.toThrow();
    expect(service.output()).not.toContain(cluster.password);
  }, 90_000);

  it('answers tradecache ping with the cluster and its masters, never the password', async () => {
    const masters = await cluster.masters();
    const result = await runCli(['ping'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`(masters ${masters.join(',')})`);
    expect(result.stdout).toContain('cluster)');
    expect(result.stdout + result.stderr).not.toContain(cluster.password);
  }, 60_000);
});
