import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { type RedisClient, scanNodes } from '../../src/redis/client.ts';
import { createRedisClient } from '../../src/redis/connection.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

/**
 * The product's Cluster client (src/redis/tradecache-cluster.ts) where plain ioredis falls
 * short: a channel's PUBLISHes keep their order, and the command timeout holds while every
 * node is down.
 */
let cluster: TestCluster;
const clients: RedisClient[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
}, 60_000);
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await cluster?.destroy();
});

function commandClient(): RedisClient {
  const config = loadConfig({ REDIS_URL: cluster.url, REDIS_COMMAND_TIMEOUT_MS: '300' });
  const client = createRedisClient(config.redis, { role: 'command' });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

/** PUBLISH calls each master has run so far. */
async function publishCalls(client: RedisClient): Promise<number[]> {
  const calls: number[] = [];
  for (const node of scanNodes(client)) {
    const info = await node.info('commandstats');
    calls.push(Number(/cmdstat_publish:calls=(\d+)/.exec(info)?.[1] ?? 0));
  }
  return calls;
}

describe('the Cluster client', () => {
  it("sends every PUBLISH of a channel to one master, so subscribers get them in the publisher's order", async () => {
    const client = commandClient();
    await client.connect();
    const before = await publishCalls(client);
    for (let i = 0; i < 30; i++) await client.publish('tc:updates:spot', String(i));
    const after = await publishCalls(client);
    const added = after.map((n, i) => n - (before[i] ?? 0));
    // Random nodes (plain ioredis) would spread 30 calls over all three masters.
    expect(added.sort((a, b) => b - a)).toEqual([30, 0, 0]);
  });

  it('fails a command within REDIS_COMMAND_TIMEOUT_MS while every node is down', async () => {
    const client = commandClient();
    await client.connect();
    await client.set('tc:k', '1');
    await Promise.all(cluster.nodes.map((node) => node.kill()));
    // The first command finds the sockets dead; the next ones wait in the Cluster's own queue.
    await client.get('tc:k').catch(() => null);
    // Plain ioredis would wait here for the whole outage (this test's own timeout).
    await expect(client.get('tc:k')).rejects.toThrow(/timed out/);
  });
});
