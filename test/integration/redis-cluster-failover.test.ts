import keySlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { closeRedisClient, connectRedisClient, createRedisClient } from '../../src/redis/connection.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

let cluster: TestCluster;
let client: Cluster | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
}, 60_000);
afterAll(async () => {
  if (client) await closeRedisClient(client);
  await cluster?.destroy();
});

describe('a master failing inside the cluster', () => {
  it('is survived by the command connection: writes to its slots resume once its replica took over', async () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: cluster.nodes.map((n) => n.address).join(','),
      REDIS_PASSWORD: cluster.password,
    }).redis;
    const redis = createRedisClient(config, { role: 'command' }) as Cluster;
    client = redis;
    redis.on('error', () => {});
    await connectRedisClient(redis, config);

    const key = 'failover:{orders}:count';
    const owner = redis.slots[keySlot(key)]?.[0];
    const victim = cluster.nodes.find((n) => n.address === owner);
    if (!victim) throw new Error(`no node owns the slot of ${key} (${owner})`);

    // Traffic: INCR one after the other; every acknowledged value is recorded.
    const acked: Array<{ value: number; afterKill: boolean }> = [];
    let killed = false;
    let running = true;
    const traffic = (async () => {
      while (running) {
        try {
          acked.push({ value: await redis.incr(key), afterKill: killed });
        } catch {
          // refused while the cluster has no master for the slot: the next one retries
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    await waitFor(() => acked.length >= 20);
    await victim.kill();
    killed = true;
    // The replica is promoted (the killed node is no longer a master), and writes go on.
    await waitFor(async () => !(await cluster.masters()).includes(victim.address), 30_000, 100);
    await waitFor(() => acked.filter((a) => a.afterKill).length >= 20, 30_000, 50);
    running = false;
    await traffic;

    const masters = await cluster.masters();
    expect(masters).toHaveLength(3);
    expect(masters).not.toContain(victim.address);
    expect(redis.slots[keySlot(key)]?.[0]).not.toBe(victim.address);
    // Every write acknowledged after the failover is there: they count up one by one and the
    // key holds the last one. (Writes acknowledged just before the kill may be lost with the
    // master: replication is asynchronous; see the README on WAIT.)
    const after = acked.filter((a) => a.afterKill).map((a) => a.value);
    const tail = after.slice(-10);
    for (let i = 1; i < tail.length; i++) expect(tail[i]).toBe((tail[i - 1] as number) + 1);
    expect(Number(await redis.get(key))).toBe(after.at(-1));
  }, 90_000);
});
