import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../../src/http/routes/dashboard/snapshot.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN_TOKEN = 'admin-token-for-the-dashboard-cluster-test';

let cluster: TestCluster;
let app: TestApp;
let dataDir: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-dashboard-cluster-'));
  app = await startTestApp({
    ...cluster.env(),
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    ADMIN_TOKEN,
  });
}, 90_000);
afterAll(async () => {
  await app?.close();
  await cluster?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

async function dashboard(): Promise<DashboardSnapshot> {
  const answer = await app.http.inject({
    url: '/api/v1/dashboard',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(answer.statusCode, answer.body).toBe(200);
  expect(answer.body).not.toContain(cluster.password);
  return answer.json();
}

describe('the dashboard on a Redis Cluster', () => {
  it('lists every master with its slots and its replica, all up', async () => {
    const body = await dashboard();
    expect(body.redis.mode).toBe('cluster');
    expect(body.cluster?.error).toBeNull();
    const nodes = body.cluster?.nodes ?? [];
    const masters = nodes.filter((n) => n.role === 'master');
    expect(masters.map((n) => n.address)).toEqual(await cluster.masters());
    // The three masters share the 16384 slots; each has one replica.
    expect(masters.reduce((sum, n) => sum + n.slots, 0)).toBe(16384);
    for (const master of masters) expect(master.slots).toBeGreaterThan(5000);
    const replicas = nodes.filter((n) => n.role === 'replica');
    expect(replicas.map((n) => n.master).sort()).toEqual(masters.map((n) => n.address));
    expect(nodes.every((n) => n.up)).toBe(true);
    expect(nodes.map((n) => n.address).sort()).toEqual(cluster.nodes.map((n) => n.address).sort());
  });

  it('shows a killed master as down, and its replica as the master of its slots', async () => {
    const before = (await dashboard()).cluster?.nodes ?? [];
    const victim = before.find((n) => n.role === 'master');
    const heir = before.find((n) => n.master === victim?.address);
    const node = cluster.nodes.find((n) => n.address === victim?.address);
    if (!victim || !heir || !node) throw new Error('no master with a replica');
    await node.kill();
    const after = await waitFor(
      async () => {
        const nodes = (await dashboard()).cluster?.nodes ?? [];
        const promoted = nodes.find((n) => n.address === heir.address);
        return promoted?.role === 'master' && promoted.slots === victim.slots ? nodes : null;
      },
      30_000,
      200,
    );
    expect(after.find((n) => n.address === victim.address)).toMatchObject({ up: false, slots: 0 });
    expect(after.find((n) => n.address === heir.address)).toMatchObject({ role: 'master', up: true });
  }, 60_000);
});
