import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AppContext, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from '../../src/redis/embedded.ts';
import { type RunningService, startService } from '../helpers/cli.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  type ClientEvents,
  type DashboardClient,
  startDashboardClient,
} from './support/dashboard-clients.ts';
import { recordFigures } from './support/figures.ts';
import { clientAddress, request } from './support/http-load.ts';

const CLIENTS = 300;
const WINDOW_MS = 100;

let redis: TestRedis;
let dataDir: string;
let env: Record<string, string>;
let service: RunningService | undefined;
let tool: AppContext | undefined;
const clients: DashboardClient[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'chaos-storm-'));
  env = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'chaosstorm',
    EXCHANGE: 'simulated',
    FEED_MARKETS: 'spot',
    FEED_WATCH_SYMBOLS: 'BTCUSDT',
    // A fixed port: the restarted server must be found where the clients knew it.
    PORT: String(await freePort()),
    TRADECACHE_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    LOG_REQUESTS: 'off',
  };
  service = await startService(['start'], env, 60_000);
  tool = await createApp(loadConfig(env), { role: 'tool', logWrite: () => {} });
});
afterAll(async () => {
  for (const c of clients) c.stop();
  await tool?.close();
  await service?.stop();
  await redis?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Most events in any WINDOW_MS window. */
function peak(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] as number) - (sorted[i] as number) >= WINDOW_MS) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

it('spreads the reconnects of 300 dashboard clients (WebSocket and REST) when the server restarts', async () => {
  const live = service as RunningService;
  const base = live.url;
  const events: ClientEvents = { wsAttempts: [], restRequests: [], liveAt: new Map() };
  for (let i = 0; i < CLIENTS; i++) {
    const userId = `storm-${i}`;
    const apiKey = await (tool as AppContext).sessions.users.addUser(userId);
    const login = await request(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, apiKey }),
      from: clientAddress(i),
    });
    const token = (login.body as { token: string }).token;
    clients.push(startDashboardClient(i, base, `Bearer ${token}`, clientAddress(i), events));
  }
  await waitFor(() => events.liveAt.size === CLIENTS, 60_000, 50);

  // Every socket drops at once: the server stops (SIGTERM) and starts again on the same port.
  const cutAt = Date.now();
  events.liveAt.clear();
  await live.stop();
  service = await startService(['start'], env, 60_000);
  const backAt = Date.now();
  await waitFor(() => events.liveAt.size === CLIENTS, 90_000, 50);
  const allLiveAt = Date.now();

  const attempts = events.wsAttempts.filter((a) => a.at > cutAt);
  const firstAttempt = new Map<number, number>();
  for (const a of attempts) if (!firstAttempt.has(a.id)) firstAttempt.set(a.id, a.at - cutAt);
  const firsts = [...firstAttempt.values()].sort((a, b) => a - b);
  const rest = events.restRequests.filter((r) => r.at > cutAt && r.at < allLiveAt);
  const firstPoll = new Map<number, number>();
  for (const r of rest) if (!firstPoll.has(r.id)) firstPoll.set(r.id, r.at - cutAt);
  const polls = [...firstPoll.values()].sort((a, b) => a - b);
  const liveAfter = [...events.liveAt.values()].map((t) => t - backAt).sort((a, b) => a - b);
  const wsPeak = peak(attempts.map((a) => a.at));
  const restPeak = peak(rest.map((r) => r.at));

  await recordFigures({
    id: 'reconnect-storm',
    order: 6,
    title: '300 dashboard clients reconnecting at once',
    setup:
      `${CLIENTS} dashboard charts, each the page's own \`candle-feed.js\` (live candles over the WebSocket, REST ` +
      'polling while the socket is down, reconnects with jittered exponential backoff) run in Node, each ' +
      'logged in as its own user from its own loopback address, against `tradecache start`. The server is ' +
      'stopped (SIGTERM) and started again on the same port, so every socket drops at the same moment. ' +
      `"Peak" is the most events in any ${WINDOW_MS} ms; without any spreading it would be ${CLIENTS}.`,
    rows: [
      { measure: 'server down (stop → listening again)', value: backAt - cutAt, unit: 'ms' },
      { measure: 'WebSocket reconnect attempts', value: attempts.length, unit: 'attempts' },
      { measure: `  peak in ${WINDOW_MS} ms`, value: wsPeak, unit: 'attempts' },
      {
        measure: "  each client's first attempt after the drop: first / median / last",
        value: `${quantile(firsts, 0)} / ${quantile(firsts, 0.5)} / ${quantile(firsts, 1)}`,
        unit: 'ms',
      },
      { measure: 'REST candle requests while the sockets were down', value: rest.length, unit: 'requests' },
      { measure: `  peak in ${WINDOW_MS} ms`, value: restPeak, unit: 'requests' },
      {
        measure: "  each client's first poll after the drop: first / median / last",
        value: `${quantile(polls, 0)} / ${quantile(polls, 0.5)} / ${quantile(polls, 1)}`,
        unit: 'ms',
      },
      {
        measure: 'server back → client live again: median / last',
        value: `${quantile(liveAfter, 0.5)} / ${quantile(liveAfter, 1)}`,
        unit: 'ms',
      },
    ],
    held: wsPeak <= CLIENTS / 2 && restPeak <= CLIENTS / 2,
  });

  // Spread: without it every client would land in one window; no window may see half of them.
  expect(wsPeak).toBeLessThanOrEqual(CLIENTS / 2);
  expect(restPeak).toBeLessThanOrEqual(CLIENTS / 2);
});
