import { afterEach, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { recordFigures } from './support/figures.ts';
import { clientAddress, type Outcome, request, runClients } from './support/http-load.ts';
import { type ChaosService, startChaosService } from './support/service.ts';

const OUTAGE_MS = 10_000;
const WARM_MS = 3_000;
const AFTER_MS = 5_000;
const COMMAND_TIMEOUT_MS = 1_000;
const CLIENTS_PER_ROUTE = 4;
// What "serves normally within 2 s of Redis coming back" means, and what may answer 503.
const RECOVERY_LIMIT_MS = 2_000;

interface RouteClass {
  name: string;
  path: string;
  auth: boolean;
  /** true: must answer 200 throughout; false: 200, or 503 JSON while Redis is away. */
  cached: boolean;
}

const ROUTES: RouteClass[] = [
  { name: 'cached: GET /api/v1/symbols/spot', path: '/api/v1/symbols/spot', auth: false, cached: true },
  { name: 'probe: GET /health', path: '/health', auth: false, cached: true },
  {
    name: 'needs Redis: GET /api/v1/cache/price-alerts',
    path: '/api/v1/cache/price-alerts',
    auth: true,
    cached: false,
  },
  {
    name: 'needs Redis: GET /api/v1/users/me/preferences',
    path: '/api/v1/users/me/preferences',
    auth: true,
    cached: false,
  },
];

let redis: TestRedis | undefined;
let service: ChaosService | undefined;
afterEach(async () => {
  await service?.close();
  await redis?.destroy();
  service = undefined;
  redis = undefined;
});

interface Sample extends Outcome {
  route: RouteClass;
  startedAt: number;
}

async function outage(mode: 'kill' | 'pause') {
  redis = await startTestRedis();
  const live = await startChaosService(redis.url, { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) });
  service = live;
  const tokens = await Promise.all(
    Array.from({ length: CLIENTS_PER_ROUTE * ROUTES.length }, (_, i) =>
      live.login(`outage-${i}`, clientAddress(i)),
    ),
  );
  const samples: Sample[] = [];
  const rss: { phase: 'before' | 'down' | 'after'; mib: number }[] = [];
  let phase: 'before' | 'down' | 'after' = 'before';
  let downAt = 0;
  let backAt = 0;
  let crashed = false;
  const watch = setInterval(() => {
    if (!live.alive()) crashed = true;
    else {
      const now = phase;
      void live.rssMiB().then((mib) => rss.push({ phase: now, mib }));
    }
  }, 200);

  const fault = (async () => {
    await new Promise((r) => setTimeout(r, WARM_MS));
    if (mode === 'kill') await redis.kill();
    else redis.pause();
    downAt = Date.now();
    phase = 'down';
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    if (mode === 'kill') await redis.restart();
    else redis.resume();
    backAt = Date.now();
    phase = 'after';
    await new Promise((r) => setTimeout(r, AFTER_MS));
  })();
  let done = false;
  void fault.finally(() => {
    done = true;
  });

  await runClients(tokens.length, async (i) => {
    if (done) return false;
    const route = ROUTES[i % ROUTES.length] as RouteClass;
    const startedAt = Date.now();
    const outcome = await request(`${live.url}${route.path}`, {
      headers: route.auth ? { authorization: tokens[i] as string } : {},
      from: clientAddress(i),
      timeoutMs: 15_000,
    });
    samples.push({ ...outcome, route, startedAt });
    await new Promise((r) => setTimeout(r, 20));
    return true;
  });
  await fault;
  clearInterval(watch);
  const rssAfter = await live.rssMiB();

  const during = (s: Sample) => s.startedAt >= downAt && s.startedAt < backAt;
  const rows: { measure: string; value: number | string; unit: string }[] = [];
  const problems: string[] = [];
  let recoveryMs = 0;
  let firstServedAfter = Number.POSITIVE_INFINITY;
  for (const route of ROUTES) {
    const mine = samples.filter((s) => s.route === route);
    const statuses = (list: Sample[]) => {
      const counts = new Map<string, number>();
      for (const s of list) {
        const key = `${s.status}${s.errorCode ? ` ${s.errorCode}` : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return [...counts.entries()].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
    };
    rows.push({
      measure: `${route.name}: answers while Redis was away`,
      value: statuses(mine.filter(during)),
      unit: '',
    });
    const refused = mine.filter((s) => s.status === 503);
    if (refused.length > 0) {
      rows.push({ measure: '  slowest 503', value: Math.max(...refused.map((s) => s.ms)), unit: 'ms' });
    }
    for (const s of mine) {
      const ok =
        s.status === 200 || (!route.cached && s.status === 503 && s.errorCode === 'REDIS_UNAVAILABLE');
      if (!ok) problems.push(`${route.path}: ${s.status} ${s.errorCode ?? ''}`);
      if (s.status !== 200 && s.startedAt >= backAt)
        recoveryMs = Math.max(recoveryMs, s.startedAt - backAt + s.ms);
      if (!route.cached && s.status === 200 && s.startedAt >= backAt) {
        firstServedAfter = Math.min(firstServedAfter, s.at - backAt);
      }
    }
  }
  const before = Math.max(...rss.filter((r) => r.phase === 'before').map((r) => r.mib));
  const peak = Math.max(...rss.filter((r) => r.phase !== 'before').map((r) => r.mib));
  rows.push(
    { measure: 'requests in all', value: samples.length, unit: 'requests' },
    { measure: 'server RSS before the outage (max of the warm phase)', value: before, unit: 'MiB' },
    { measure: 'server RSS peak during the outage and after', value: peak, unit: 'MiB' },
    { measure: 'server RSS after', value: rssAfter, unit: 'MiB' },
    { measure: 'server process crashed (must be no)', value: crashed ? 'yes' : 'no', unit: '' },
    { measure: 'Redis back → first 200 of a route that needs Redis', value: firstServedAfter, unit: 'ms' },
    {
      measure: `Redis back → last non-200 answer (limit ${RECOVERY_LIMIT_MS})`,
      value: recoveryMs,
      unit: 'ms',
    },
  );
  return {
    rows,
    problems,
    crashed,
    recoveryMs,
    peak,
    before,
    refused503: samples.filter((s) => s.status === 503),
  };
}

const setup = (how: string) =>
  `\`tradecache api\` as a child process (REDIS_COMMAND_TIMEOUT_MS=${COMMAND_TIMEOUT_MS}), ` +
  `${CLIENTS_PER_ROUTE} HTTP clients per route (each from its own loopback address, 20 ms between ` +
  `requests); ${WARM_MS / 1000} s of load, then Redis is away for ${OUTAGE_MS / 1000} s (${how}), then ` +
  `${AFTER_MS / 1000} s more. Cached routes must answer 200 throughout (L1, stale or last-good); ` +
  'routes that need Redis 200 or 503 `REDIS_UNAVAILABLE` JSON; no other answer, no crash, bounded ' +
  `RSS, and every request started ${RECOVERY_LIMIT_MS / 1000} s after Redis is back answers 200.`;

for (const mode of ['kill', 'pause'] as const) {
  const how =
    mode === 'kill'
      ? '`kill -9`, then restarted on the same port and data dir'
      : '`SIGSTOP`: its sockets stay open, nothing answers; then `SIGCONT`';
  it(`keeps cached routes up and refuses the rest with 503 JSON while Redis is ${mode === 'kill' ? 'killed' : 'paused'} for 10 s`, async () => {
    const result = await outage(mode);
    const maxRefusal = Math.max(0, ...result.refused503.map((s) => s.ms));
    const held =
      result.problems.length === 0 &&
      !result.crashed &&
      result.recoveryMs <= RECOVERY_LIMIT_MS &&
      result.peak < result.before + 256;
    await recordFigures({
      id: `redis-outage-${mode}`,
      order: mode === 'kill' ? 2 : 3,
      title: `Redis ${mode === 'kill' ? 'killed' : 'paused'} for 10 s under HTTP load`,
      setup: setup(how),
      rows: result.rows,
      held,
    });
    expect(result.crashed).toBe(false);
    expect([...new Set(result.problems)]).toEqual([]);
    expect(result.recoveryMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
    // Bounded: an outage must not pile up requests, commands or logs in memory.
    expect(result.peak).toBeLessThan(result.before + 256);
    // A refusal comes within the command timeout (plus the event loop's share of a loaded machine).
    expect(maxRefusal).toBeLessThan(COMMAND_TIMEOUT_MS * 3);
  });
}
