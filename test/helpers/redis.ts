import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type EmbeddedRedis,
  type EmbeddedRedisOptions,
  startEmbeddedRedis,
} from '../../src/redis/embedded.ts';
import { isAlive } from '../../src/redis/embedded-state.ts';

export interface TestRedis extends EmbeddedRedis {
  readonly dataDir: string;
  /** Stops redis-server and deletes its temp dir. */
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

/**
 * A private redis-server for one test file, started with the product's own launcher in a temp
 * dir on a free loopback port. Tests never touch a Redis they did not start.
 */
export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
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
