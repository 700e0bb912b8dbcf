import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import { answersPing, isLoaded } from './embedded-probe.ts';
import {
  claimOwnership,
  findRunningRedis,
  ownerIsAlive,
  releaseOwnership,
  stopProcess,
} from './embedded-state.ts';

export interface EmbeddedRedisOptions {
  /** The data dir; Redis keeps its files in `<dataDir>/redis`. */
  dataDir: string;
  /** Binary to run; `redis-server` from PATH by default. */
  binary?: string;
  /** Fixed port; a free loopback port by default. */
  port?: number;
  startTimeoutMs?: number;
  /**
   * AOF fsync policy. `always` fsyncs before each write is acknowledged (no acknowledged write
   * is lost even when the host crashes), at a cost in write throughput.
   * @default 'everysec'
   */
  appendfsync?: 'always' | 'everysec';
}

export interface EmbeddedRedis {
  readonly url: string;
  readonly port: number;
  readonly password: string;
  readonly pid: number;
  /** False when another live tradecache process started this Redis: `stop()` then leaves it running. */
  readonly owned: boolean;
  /** Stops redis-server if we own it (SIGTERM: it fsyncs the AOF), waiting for it to exit. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install -y redis-server; ' +
  'macOS: brew install redis) or set REDIS_URL to an existing Redis.';

/**
 * Starts a private redis-server as a child process: loopback only, free port, AOF on
 * (`appendfsync everysec`), data and a generated password kept under the data dir. The same
 * launcher starts the test suite's Redis, so tests run what users run.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const binary = options.binary ?? 'redis-server';
  const dir = path.join(options.dataDir, 'redis');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const password = await loadOrCreatePassword(path.join(options.dataDir, 'redis.password'));

  const running = await findRunningRedis(dir);
  if (running) {
    if (await answersPing(running.port, password)) {
      // Another tradecache process is using it: share it. Its owner died: adopt it.
      const owned = !(await ownerIsAlive(dir));
      if (owned) await claimOwnership(dir);
      return pidHandle(running.pid, running.port, password, owned, dir);
    }
    await stopProcess(running.pid);
  }

  // A free port can be taken between our probe and redis' bind: retry on a new one.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const confPath = path.join(dir, 'redis.conf');
    await writeFile(confPath, redisConf(dir, port, password, options.appendfsync ?? 'everysec'), {
      mode: 0o600,
    });
    await chmod(confPath, 0o600);
    try {
      const child = await launch(binary, confPath);
      try {
        await waitUntilReady(child, port, password, options.startTimeoutMs ?? 10_000, dir);
      } catch (err) {
        child.kill('SIGKILL');
        throw err;
      }
      await claimOwnership(dir);
      return childHandle(child, port, password, dir);
    } catch (err) {
      lastError = err;
      if (err instanceof TradecacheError && err.code === ErrorCodes.REDIS_SERVER_MISSING) throw err;
      if (options.port !== undefined) break;
    }
  }
  throw lastError;
}

function redisConf(dir: string, port: number, password: string, appendfsync: 'always' | 'everysec'): string {
  // Written to a 0600 file rather than passed as arguments, so the password is not in `ps`.
  return [
    'bind 127.0.0.1',
    `port ${port}`,
    'protected-mode yes',
    `dir ${JSON.stringify(dir)}`,
    'appendonly yes',
    `appendfsync ${appendfsync}`,
    'save ""',
    `requirepass ${password}`,
    'pidfile redis.pid',
    'logfile redis.log',
    'daemonize no',
    '',
  ].join('\n');
}

async function loadOrCreatePassword(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (/^[a-f0-9]{32,}$/.test(existing)) {
      if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
      return existing;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const password = randomBytes(24).toString('hex');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not allocate a port');
  return address.port;
}

async function launch(binary: string, confPath: string): Promise<ChildProcess> {
  // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and a
  // redis-server that died with the service would leave the shutdown flushing into a closed
  // socket until its deadline. The service stops it last, itself (and adopts an orphan at start).
  const child = spawn(binary, [confPath], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  // events.once() would reject on 'error'; we want the error as a value to classify it.
  const result = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (err) => resolve(err));
  });
  if (result) {
    if (result.code === 'ENOENT') {
      throw new TradecacheError(ErrorCodes.REDIS_SERVER_MISSING, INSTALL_HINT, { cause: result });
    }
    throw new TradecacheError(ErrorCodes.REDIS_SERVER_FAILED, `could not start ${binary}: ${result.message}`);
  }
  return child;
}

async function waitUntilReady(
  child: ChildProcess,
  port: number,
  password: string,
  timeoutMs: number,
  dir: string,
) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) break;
    if (await isLoaded(port, password)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = await readFile(path.join(dir, 'redis.log'), 'utf8').catch(() => '');
  const lastLine = log.trim().split('\n').at(-1) ?? '';
  throw new TradecacheError(
    ErrorCodes.REDIS_SERVER_FAILED,
    `embedded redis-server did not become ready on port ${port}${lastLine ? `: ${lastLine}` : ''}`,
    { context: { port, exited } },
  );
}

function urlFor(port: number, password: string): string {
  return `redis://:${password}@127.0.0.1:${port}/0`;
}

function childHandle(child: ChildProcess, port: number, password: string, dir: string): EmbeddedRedis {
  let stopping: Promise<void> | null = null;
  const exited = once(child, 'exit').catch(() => undefined);
  return {
    url: urlFor(port, password),
    port,
    password,
    pid: child.pid ?? -1,
    owned: true,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        await releaseOwnership(dir);
      })();
      return stopping;
    },
  };
}

function pidHandle(pid: number, port: number, password: string, owned: boolean, dir: string): EmbeddedRedis {
  let stopping: Promise<void> | null = null;
  return {
    url: urlFor(port, password),
    port,
    password,
    pid,
    owned,
    stop() {
      if (!owned) return Promise.resolve();
      stopping ??= stopProcess(pid).then(() => releaseOwnership(dir));
      return stopping;
    },
  };
}

/**
 * The embedded Redis of a data dir if it is running (for `tradecache ping` next to a running
 * server); never starts one.
 */
export async function findEmbeddedRedis(dataDir: string): Promise<{ url: string; port: number } | null> {
  const dir = path.join(dataDir, 'redis');
  const running = await findRunningRedis(dir);
  if (!running) return null;
  const password = (await readFile(path.join(dataDir, 'redis.password'), 'utf8').catch(() => '')).trim();
  return password ? { url: urlFor(running.port, password), port: running.port } : null;
}
