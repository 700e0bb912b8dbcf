import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { loadConfig } from '../../src/config/load.ts';
import { type RedisClient, scanBatches } from '../../src/redis/client.ts';
import { createRedisClient } from '../../src/redis/connection.ts';
import {
  type EmbeddedRedis,
  type EmbeddedRedisOptions,
  startEmbeddedRedis,
} from '../../src/redis/embedded.ts';
import { isAlive } from '../../src/redis/embedded-state.ts';
import { startTestCluster } from './cluster.ts';

export interface TestRedis extends EmbeddedRedis {
  readonly dataDir: string;
  /** `server` (one redis-server) or `cluster` (3 masters + 3 replicas), per TRADECACHE_TEST_REDIS. */
  readonly kind: TestRedisKind;
  /**
   * A plain client of the right kind (a Cluster client on a cluster), not yet connected unless
   * `lazyConnect: false`; the caller closes it. Tests use this, not `new Redis(url)`.
   */
  client(options?: Pick<RedisOptions, 'lazyConnect' | 'maxRetriesPerRequest'>): RedisClient;
  /** A not yet connected pub/sub connection as the product builds one (a single node on a Cluster). */
  subscriber(): RedisClient;
  /** Stops redis-server (every node) and deletes its temp dir. */
  destroy(): Promise<void>;
  /** `kill -9`: no AOF fsync, no goodbye to clients; resolves once the process is gone. */
  kill(): Promise<void>;
  /** `SIGSTOP`: the process holds its sockets open but answers nothing. */
  pause(): void;
  /** `SIGCONT` after `pause()`. */
  resume(): void;
  /** Starts redis-server again on the same port, password and data dir (after `kill` or `stop`). */
  restart(): Promise<void>;
}

export interface TestRedisOptions {
  appendfsync?: EmbeddedRedisOptions['appendfsync'];
}

export type TestRedisKind = 'server' | 'cluster';

/**
 * What `startTestRedis` hands out: `TRADECACHE_TEST_REDIS=cluster` (`npm run test:cluster`) runs
 * the same test files against a Redis Cluster instead of one redis-server.
 */
export const testRedisKind: TestRedisKind =
  process.env.TRADECACHE_TEST_REDIS === 'cluster' ? 'cluster' : 'server';

/**
 * A private Redis for one test file: by default a redis-server started with the product's own
 * launcher in a temp dir on a free loopback port; under `TRADECACHE_TEST_REDIS=cluster` a
 * 3-master cluster whose `url` is a `redis+cluster://` URL (which REDIS_URL accepts). Tests
 * never touch a Redis they did not start.
 */
export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  return testRedisKind === 'cluster' ? startClusterTestRedis() : startServerTestRedis(options);
}

async function startServerTestRedis(options: TestRedisOptions): Promise<TestRedis> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-test-'));
  const launch = (port?: number) =>
    startEmbeddedRedis({
      dataDir,
      ...(port === undefined ? {} : { port }),
      ...(options.appendfsync ? { appendfsync: options.appendfsync } : {}),
    });
  let redis = await launch();
  const signal = (name: NodeJS.Signals) => {
    if (isAlive(redis.pid)) process.kill(redis.pid, name);
  };
  return {
    get url() {
      return redis.url;
    },
    get port() {
      return redis.port;
    },
    get password() {
      return redis.password;
    },
    get pid() {
      return redis.pid;
    },
    get owned() {
      return redis.owned;
    },
    stop: () => redis.stop(),
    dataDir,
    kind: 'server',
    client: (clientOptions = {}) => new Redis(redis.url, { lazyConnect: true, ...clientOptions }),
    subscriber: () => productSubscriber(redis.url),
    async kill() {
      signal('SIGKILL');
      while (isAlive(redis.pid)) await new Promise((r) => setTimeout(r, 5));
      // Lets the launcher's handle see the exit, so a later stop() has nothing to wait for.
      await redis.stop();
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async restart() {
      redis = await launch(redis.port);
    },
    async destroy() {
      signal('SIGCONT');
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function startClusterTestRedis(): Promise<TestRedis> {
  const cluster = await startTestCluster();
  const [first] = cluster.nodes;
  if (!first) throw new Error('the test cluster has no nodes');
  // The chaos helpers act on one process; a cluster's faults are tested by its own tests.
  const single = (what: string) => () => {
    throw new Error(`${what} is for one redis-server, not the test cluster`);
  };
  return {
    url: cluster.url,
    port: first.port,
    password: cluster.password,
    // Never 0: `process.kill(0, 'SIGSTOP')` would stop the test runner's own process group.
    get pid(): number {
      return single('pid')();
    },
    owned: true,
    dataDir: cluster.dataDir,
    kind: 'cluster',
    client: ({ lazyConnect = true, ...perNode } = {}) =>
      new Cluster(
        cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
        { lazyConnect, redisOptions: { ...perNode, password: cluster.password } },
      ),
    subscriber: () => productSubscriber(cluster.url),
    stop: () => cluster.destroy(),
    destroy: () => cluster.destroy(),
    kill: async () => single('kill()')(),
    pause: single('pause()'),
    resume: single('resume()'),
    restart: async () => single('restart()')(),
  };
}

function productSubscriber(url: string): RedisClient {
  return createRedisClient(loadConfig({ REDIS_URL: url }).redis, { role: 'subscriber' });
}

/** Every key matching `pattern`, by SCAN on the one server or on every master of a Cluster. */
export async function keysMatching(client: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const batch of scanBatches(client, pattern, 1000)) found.push(...batch);
  return found;
}
