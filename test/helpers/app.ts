import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type AppContext, type AppRole, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { buildServer } from '../../src/http/server.ts';

export interface TestApp {
  readonly ctx: AppContext;
  readonly http: FastifyInstance;
  /** Captured log lines (to search for secrets). */
  readonly logs: string[];
  close(): Promise<void>;
}

/**
 * A full tradecache app (real Redis, real exchange client, real Fastify) built from an explicit
 * environment, never from the test runner's own. Each app gets a unique key prefix unless given.
 */
export async function startTestApp(
  env: Record<string, string>,
  options: { role?: AppRole } = {},
): Promise<TestApp> {
  const config = loadConfig({
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'info',
    ...env,
  });
  const logs: string[] = [];
  const ctx = await createApp(config, { role: options.role ?? 'api', logWrite: (line) => logs.push(line) });
  const http = await buildServer(ctx);
  await http.ready();
  return {
    ctx,
    http,
    logs,
    async close() {
      await http.close();
      await ctx.close();
    },
  };
}
