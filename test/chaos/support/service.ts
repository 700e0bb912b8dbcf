import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type AppContext, createApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { type RunningService, startService } from '../../helpers/cli.ts';
import { clientAddress, request } from './http-load.ts';

/**
 * `tradecache api` as a child process on the given Redis (simulated exchange), so a fault
 * can crash it without taking the test down, and its RSS is its own. A one-shot tool context on
 * the same Redis and prefix creates users the way the CLI does.
 */
export interface ChaosService {
  readonly url: string;
  readonly service: RunningService;
  /** Whether the child is still running (a crash shows here). */
  alive(): boolean;
  /** The child's resident set size in MiB, from /proc. */
  rssMiB(): Promise<number>;
  /** Creates `userId` and logs in from its own loopback address; resolves to the Bearer header. */
  login(userId: string, from: string): Promise<string>;
  close(): Promise<void>;
}

export async function startChaosService(redisUrl: string, extraEnv: Record<string, string> = {}) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chaos-service-'));
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: 'chaos',
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    // `info`: the "listening on" line is how startService learns the port.
    LOG_LEVEL: 'info',
    LOG_REQUESTS: 'off',
    ...extraEnv,
  };
  const service = await startService(['api'], env, 60_000);
  let tool: AppContext | null = null;
  return {
    url: service.url,
    service,
    alive: () => service.child.exitCode === null && service.child.signalCode === null,
    async rssMiB() {
      const status = await readFile(`/proc/${service.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
    },
    async login(userId: string, from: string = clientAddress(0)) {
      tool ??= await createApp(loadConfig(env), { role: 'tool', logWrite: () => {} });
      const apiKey = await tool.sessions.users.addUser(userId);
      const answer = await request(`${service.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, apiKey }),
        from,
      });
      const token = (answer.body as { token?: string }).token;
      if (answer.status !== 200 || !token) throw new Error(`login of ${userId} answered ${answer.status}`);
      return `Bearer ${token}`;
    },
    async close() {
      await tool?.close();
      if (service.child.exitCode === null) await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  } satisfies ChaosService;
}
