import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.ts';

export interface TestRedis extends EmbeddedRedis {
  readonly dataDir: string;
  /** Stops redis-server and deletes its temp dir. */
  destroy(): Promise<void>;
}

/**
 * A private redis-server for one test file, started with the product's own launcher in a temp
 * dir on a free loopback port. Tests never touch a Redis they did not start.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-test-'));
  const redis = await startEmbeddedRedis({ dataDir });
  return {
    ...redis,
    stop: () => redis.stop(),
    dataDir,
    async destroy() {
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
