/**
 * The real service a fuzz file attacks: its own redis-server, the simulated exchange, a data dir,
 * an admin token and one logged-in user; plus the seed and run counts (FUZZ_SEED, FUZZ_RUNS).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

/** The seed of every fuzz property: fixed so CI is reproducible, set FUZZ_SEED to explore. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 1_402_2026);
/** Multiplies every property's number of runs (FUZZ_RUNS=5 for a longer local run). */
export const FUZZ_SCALE = Number(process.env.FUZZ_RUNS ?? 1);

export interface FuzzTarget {
  readonly redis: TestRedis;
  readonly app: TestApp;
  readonly dataDir: string;
  readonly adminToken: string;
  /** A session token of user `fuzz.user`, renewed by `refreshUserToken()`. */
  readonly userToken: string;
  refreshUserToken(): Promise<void>;
  close(): Promise<void>;
}

export async function startFuzzTarget(env: Record<string, string> = {}): Promise<FuzzTarget> {
  const redis = await startTestRedis();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-fuzz-'));
  const adminToken = `adm_${randomBytes(24).toString('hex')}`;
  const app = await startTestApp({
    REDIS_URL: redis.url,
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    ...env,
  });
  const userId = 'fuzz.user';
  const apiKey = await app.ctx.sessions.users.addUser(userId);
  const login = async () => {
    const answer = await app.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { userId, apiKey },
    });
    return (answer.json() as { token: string }).token;
  };
  let userToken = await login();
  // Prices (and with them ticks and candles) the market routes can answer from, as the feed writes them.
  const now = Date.now();
  for (const market of ['spot', 'futures'] as const) {
    const batch = app.ctx.market.batch(market);
    for (let i = 60; i >= 0; i -= 1) {
      batch
        .price('BTCUSDT', `${60_000 + i}.50000000`, now - i * 60_000)
        .price('ETHUSDT', `${3_000 + i}.25`, now - i * 60_000);
    }
    await batch.flush();
  }
  return {
    redis,
    app,
    dataDir,
    adminToken,
    get userToken() {
      return userToken;
    },
    async refreshUserToken() {
      userToken = await login();
    },
    async close() {
      await app.close();
      await redis.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir`, as paths relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Every key of the test Redis (SCAN, never KEYS). */
export async function allKeys(target: FuzzTarget): Promise<string[]> {
  const client = target.app.ctx.redis;
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    out.push(...batch);
  } while (cursor !== '0');
  return out.sort();
}

/**
 * Our error body: `{ error: { code, message } }` with two strings, plus at most the documented
 * optional `details` object; a reason otherwise.
 */
export function errorShapeProblem(contentType: string | undefined, body: string): string | null {
  if (!/^application\/json/.test(contentType ?? '')) return `content-type ${contentType}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  const p = parsed as { error?: { code?: unknown; message?: unknown } };
  if (typeof p !== 'object' || p === null || Object.keys(p).join() !== 'error') return 'not { error }';
  if (typeof p.error !== 'object' || p.error === null) return 'error is not an object';
  const extra = Object.keys(p.error).filter((k) => k !== 'code' && k !== 'message' && k !== 'details');
  if (extra.length > 0) return `unexpected error keys ${extra.join()}`;
  const details = (p.error as { details?: unknown }).details;
  if (details !== undefined && (typeof details !== 'object' || details === null))
    return 'details not an object';
  if (typeof p.error.code !== 'string' || typeof p.error.message !== 'string')
    return 'code/message not strings';
  return null;
}
