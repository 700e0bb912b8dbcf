import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ErrorCodes, errorMessage, TradecacheError } from '../errors.ts';

export interface EmbeddedRedisOptions {
  /** The data dir; Redis keeps its files in `<dataDir>/redis`. */
  dataDir: string;
  /** Binary to run; `redis-server` from PATH by default. */
  binary?: string;
  /** Fixed port; a free loopback port by default. */
  port?: number;
  startTimeoutMs?: number;
}

export interface EmbeddedRedis {
  readonly url: string;
  readonly port: number;
  readonly password: string;
  readonly pid: number;
  /** Stops redis-server (SIGTERM: it fsyncs the AOF), waiting for it to exit. */
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
  await stopOrphan(path.join(dir, 'redis.pid'));

  // A free port can be taken between our probe and redis' bind: retry on a new one.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const confPath = path.join(dir, 'redis.conf');
    await writeFile(confPath, redisConf(dir, port, password), { mode: 0o600 });
    await chmod(confPath, 0o600);
    try {
      const child = await launch(binary, confPath);
      try {
        await waitUntilReady(child, port, password, options.startTimeoutMs ?? 10_000, dir);
      } catch (err) {
        child.kill('SIGKILL');
        throw err;
      }
      return handle(child, port, password);
    } catch (err) {
      lastError = err;
      if (err instanceof TradecacheError && err.code === ErrorCodes.REDIS_SERVER_MISSING) throw err;
      if (options.port !== undefined) break;
    }
  }
  throw lastError;
}

function redisConf(dir: string, port: number, password: string): string {
  // Written to a 0600 file rather than passed as arguments, so the password is not in `ps`.
  return [
    'bind 127.0.0.1',
    `port ${port}`,
    'protected-mode yes',
    `dir ${JSON.stringify(dir)}`,
    'appendonly yes',
    'appendfsync everysec',
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

/** A redis-server left behind by a killed tradecache still owns the data dir: stop it first. */
async function stopOrphan(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('redis-server')) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      process.kill(pid, 0);
    }
  } catch {
    // gone (or not ours to inspect): nothing to stop
  }
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
  const child = spawn(binary, [confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
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
    const probe = new Redis({
      host: '127.0.0.1',
      port,
      password,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      // A loading AOF answers PING with -LOADING; wait until data is really there.
      const info = await probe.info('persistence');
      if (/loading:0/.test(info)) return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
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

function handle(child: ChildProcess, port: number, password: string): EmbeddedRedis {
  let stopping: Promise<void> | null = null;
  const exited = once(child, 'exit').catch(() => undefined);
  return {
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    port,
    password,
    pid: child.pid ?? -1,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        try {
          await exited;
        } catch (err) {
          throw new Error(`redis-server did not stop: ${errorMessage(err)}`);
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}
