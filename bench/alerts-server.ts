import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type AppContext, createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { type ExchangeProcess, startExchangeProcess } from './exchange-process.ts';

/**
 * The setting of the alert latency and WebSocket fan-out benchmarks: the simulated exchange in a
 * child process of its own (exchange-process.ts), and `tradecache start` (API + stream feed) as
 * another child pointed at it as if it were Binance, so the server's CPU and RSS are its own and
 * neither the exchange's price model nor the bench's clients share an event loop with it (the
 * exchange's stream timers would wait behind 1,000 fan-out clients otherwise). A one-shot app context here (same Redis and prefix)
 * creates the user and the alerts the way the create route does.
 */
export interface AlertsBenchServer {
  readonly sim: ExchangeProcess;
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` of the child. */
  readonly url: string;
  readonly tool: AppContext;
  readonly token: string;
  readonly userId: string;
  /** The child's resident set size (kB), from /proc. */
  rssKb(): Promise<number>;
  close(): Promise<void>;
}

const BIN = path.resolve(import.meta.dirname, '../bin/tradecache.js');
const PREFIX = 'alertbenchapp';
const USER = 'bench';

export async function startAlertsBenchServer(
  redisUrl: string,
  dataDir: string,
  extraEnv: Record<string, string>,
): Promise<AlertsBenchServer> {
  const sim = await startExchangeProcess();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: PREFIX,
    EXCHANGE: 'binance',
    BINANCE_SPOT_URL: sim.spotUrl,
    BINANCE_FUTURES_URL: sim.futuresUrl,
    BINANCE_SPOT_STREAM_URL: sim.spotStreamUrl,
    BINANCE_FUTURES_STREAM_URL: sim.futuresStreamUrl,
    FEED_MARKETS: 'spot',
    TRADECACHE_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    PORT: '0',
    ...extraEnv,
  };
  const child = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let url: string;
  try {
    url = await listeningUrl(child);
  } catch (err) {
    child.kill('SIGKILL');
    await sim.close();
    throw err;
  }
  const tool = await createApp(loadConfig(env), { role: 'tool', logWrite: () => {} });
  const apiKey = await tool.sessions.users.addUser(USER);
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: USER, apiKey }),
  });
  const token = ((await login.json()) as { token: string }).token;
  return {
    sim,
    child,
    url,
    tool,
    token,
    userId: USER,
    async rssKb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    },
    async close() {
      await tool.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await sim.close();
    },
  };
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`tradecache start did not listen:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d;
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        // Keep draining the pipes so the child never blocks on a full one.
        child.stdout?.removeListener('data', onData);
        child.stderr?.removeListener('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tradecache start exited with ${code}:\n${output}`)));
  });
}
