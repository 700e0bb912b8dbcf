import { access } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

let cluster: TestCluster | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('the cluster test harness', () => {
  it('comes up as three masters, each with one replica, serving every slot', async () => {
    if (!cluster) throw new Error('cluster not started');
    expect(await cluster.masters()).toHaveLength(3);
    const roles: string[] = [];
    for (const node of cluster.nodes) {
      const client = cluster.nodeClient(node);
      await client.connect();
      const info = (await client.call('CLUSTER', 'INFO')) as string;
      expect(info).toMatch(/^cluster_state:ok\b/m);
      expect(info).toMatch(/^cluster_slots_assigned:16384\b/m);
      expect(info).toMatch(/^cluster_size:3\b/m);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      const replication = await client.info('replication');
      roles.push(
        /^role:slave\b/m.test(replication)
          ? 'replica'
          : (/^connected_slaves:1\b/m.exec(replication)?.[0] ?? '?'),
      );
      client.disconnect();
    }
    expect(roles.sort()).toEqual([...Array(3).fill('connected_slaves:1'), ...Array(3).fill('replica')]);
  });

  it('spreads keys over every master and answers them through a Cluster client', async () => {
    if (!cluster) throw new Error('cluster not started');
    const client = cluster.client();
    const keys = Array.from({ length: 30 }, (_, i) => `harness:${i}`);
    for (const key of keys) await client.set(key, key);
    for (const key of keys) expect(await client.get(key)).toBe(key);
    const perMaster = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(perMaster).toHaveLength(3);
    for (const count of perMaster) expect(count).toBeGreaterThan(0);
    expect(perMaster.reduce((a, b) => a + b, 0)).toBe(keys.length);
  });

  it('stops every node and deletes its temp dir when destroyed', async () => {
    const own = await startTestCluster();
    await own.destroy();
    for (const node of own.nodes) expect(await listening(node.port)).toBe(false);
    await expect(access(own.dataDir)).rejects.toThrow();
  });
});
