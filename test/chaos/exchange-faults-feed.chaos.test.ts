import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FaultSpec } from '../../src/exchange/simulated/index.ts';
import { type SimulatedExchange, startSimulatedExchange } from '../../src/exchange/simulated/index.ts';
import { compareDecimals } from '../../src/market/decimal/index.ts';
import { type RunningService, startService } from '../helpers/cli.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { recordFigures } from './support/figures.ts';
import { clientAddress, request } from './support/http-load.ts';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT'];
const FAULT_MS = 2_500;
const PAUSE_SEC = 3;
const SPOT_WEIGHT_LIMIT = 6_000;

let sim: SimulatedExchange;
let redis: TestRedis;
let service: RunningService;
let dataDir: string;

beforeAll(async () => {
  sim = await startSimulatedExchange({});
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'chaos-feed-'));
  // `tradecache start` (API + worker + feed) pointed at the simulated exchange as if it were Binance.
  service = await startService(
    ['start'],
    {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'chaosfeed',
      EXCHANGE: 'binance',
      BINANCE_SPOT_URL: sim.spotUrl,
      BINANCE_FUTURES_URL: sim.futuresUrl,
      BINANCE_SPOT_STREAM_URL: sim.spotStreamUrl,
      BINANCE_FUTURES_STREAM_URL: sim.futuresStreamUrl,
      FEED_MARKETS: 'spot',
      FEED_WATCH_SYMBOLS: SYMBOLS.join(','),
      // REST polls often, so the faults below hit many of its calls.
      FEED_INTERVAL_MS: '500',
      TRADECACHE_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      LOG_REQUESTS: 'off',
    },
    60_000,
  );
});
afterAll(async () => {
  await service?.stop();
  await sim?.close();
  await redis?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Seen {
  symbol: string;
  price: string;
  time: number;
  at: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('keeps prices monotonic, honours 429/418 pauses and recovers after a stream cut and REST faults', async () => {
  const priceOf = async (symbol: string) => {
    const answer = await request(`${service.url}/api/v1/cache/price/${symbol}`);
    return answer.status === 200 ? (answer.body as { price: string; time: number }) : null;
  };
  await waitFor(async () => (await Promise.all(SYMBOLS.map(priceOf))).every(Boolean), 60_000, 200);

  const seen: Seen[] = [];
  const badAnswers: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      for (const [i, symbol] of SYMBOLS.entries()) {
        // One loopback address per symbol: the API's per-address limit is not what is measured.
        const answer = await request(`${service.url}/api/v1/cache/price/${symbol}`, {
          from: clientAddress(i),
        });
        const body = answer.body as { price?: unknown; time?: unknown };
        if (answer.status !== 200 || typeof body.price !== 'string' || typeof body.time !== 'number') {
          badAnswers.push(`${symbol}: ${answer.status}`);
          continue;
        }
        if (!/^\d+(\.\d+)?$/.test(body.price)) badAnswers.push(`${symbol}: price ${body.price}`);
        seen.push({ symbol, price: body.price, time: body.time, at: Date.now() });
      }
      await sleep(50);
    }
  })();
  // The exchange's own weight count, read with a weight-1 call between the faults.
  let maxWeight = 0;
  let sampling = true;
  const sampleWeight = async () => {
    if (!sampling) return;
    const answer = await fetch(`${sim.spotUrl}/api/v3/time`).catch(() => null);
    const used = Number(answer?.headers.get('x-mbx-used-weight-1m'));
    if (Number.isFinite(used)) maxWeight = Math.max(maxWeight, used);
  };
  const sampler = setInterval(() => void sampleWeight(), 500);

  let streamSocketsWhileDown = 0;
  const fault = async (spec: FaultSpec & { market: 'spot' }, ms = FAULT_MS) => {
    sim.faults.set(spec);
    await sleep(ms);
    // Only this fault's scope: a 'none' without market and path would clear the stream fault too.
    sim.faults.set({ mode: 'none', market: 'spot' });
    streamSocketsWhileDown = Math.max(streamSocketsWhileDown, sim.streamClients('spot'));
  };
  /** A one-shot 429/418 with Retry-After; counts what the client sent during the pause it asked for. */
  const pauseFault = async (mode: 'rateLimit' | 'banned') => {
    sampling = false;
    const before = sim.requestCount();
    sim.faults.set({ mode, market: 'spot', retryAfterSec: PAUSE_SEC, times: 1 });
    await waitFor(() => sim.requestCount() > before, 10_000, 5);
    const hitAt = Date.now();
    const atHit = sim.requestCount();
    // A little short of the pause: the client's clock and ours read the header a moment apart.
    await sleep(PAUSE_SEC * 1000 - 300);
    const during = sim.requestCount() - atHit;
    await waitFor(() => sim.requestCount() > atHit + during, 30_000, 10);
    const resumedAfter = Date.now() - hitAt;
    streamSocketsWhileDown = Math.max(streamSocketsWhileDown, sim.streamClients('spot'));
    sampling = true;
    return { during, resumedAfter };
  };

  await sleep(2_000);
  const cutAt = Date.now();
  sim.faults.set({ mode: 'streamClose' });
  await sleep(2_000);
  // The stream stays down (reconnects refused) while REST misbehaves in every way it can.
  sim.faults.set({ mode: 'streamDown' });
  await fault({ mode: 'error500', market: 'spot' });
  await fault({ mode: 'garbage', market: 'spot' });
  await fault({ mode: 'down', market: 'spot' });
  const limited = await pauseFault('rateLimit');
  const banned = await pauseFault('banned');
  const clearedAt = Date.now();
  sim.faults.clear();
  // Recovered: every symbol has a price newer than the faults (REST at first), and the stream is back.
  const newer = (symbol: string) => seen.find((p) => p.symbol === symbol && p.time > clearedAt);
  const pricesBack = waitFor(() => SYMBOLS.every(newer), 60_000, 20).then(() => Date.now() - clearedAt);
  await waitFor(() => sim.streamClients('spot') > 0, 60_000, 20);
  const streamBackAfter = Date.now() - clearedAt;
  const pricesBackAfter = await pricesBack;
  await sleep(2_000);
  polling = false;
  await poller;
  clearInterval(sampler);

  // Never backwards: per symbol, each reading's exchange time is at least the previous one's,
  // and at the same time the same price.
  const backwards: string[] = [];
  for (const symbol of SYMBOLS) {
    const mine = seen.filter((p) => p.symbol === symbol);
    for (let i = 1; i < mine.length; i++) {
      const prev = mine[i - 1] as Seen;
      const cur = mine[i] as Seen;
      if (cur.time < prev.time || (cur.time === prev.time && compareDecimals(cur.price, prev.price) !== 0)) {
        backwards.push(`${symbol}: ${prev.price}@${prev.time} → ${cur.price}@${cur.time}`);
      }
    }
  }
  const alive = service.child.exitCode === null && service.child.signalCode === null;

  await recordFigures({
    id: 'exchange-faults-feed',
    order: 5,
    title: 'Exchange stream cut, REST answering 5xx, garbage, 429 and 418',
    setup:
      '`tradecache start` (API, worker, spot feed on streams with REST every 500 ms) against the simulated ' +
      `exchange; ${SYMBOLS.length} symbols' prices read through \`GET /api/v1/cache/price/:symbol\` every ~50 ms. ` +
      'The stream sockets are closed once, then new stream connections are refused while REST answers in turn ' +
      `500 (${FAULT_MS} ms), malformed 200 bodies (${FAULT_MS} ms), dropped connections (${FAULT_MS} ms), one 429 ` +
      `and one 418, each with \`Retry-After: ${PAUSE_SEC}\`. Then every fault is cleared. Prices must never go ` +
      'back in exchange time, every answer must be 200 with a decimal string, the client must send nothing ' +
      'during a pause the exchange asked for, and the feed must recover.',
    rows: [
      { measure: 'price readings', value: seen.length, unit: 'readings' },
      {
        measure: 'readings going back in time or changing at the same time (must be 0)',
        value: backwards.length,
        unit: 'readings',
      },
      {
        measure: 'answers other than 200 with a decimal price (must be 0)',
        value: badAnswers.length,
        unit: 'answers',
      },
      { measure: 'REST requests during the 429 pause (must be 0)', value: limited.during, unit: 'requests' },
      { measure: '  first request after the 429', value: limited.resumedAfter, unit: 'ms' },
      { measure: 'REST requests during the 418 ban (must be 0)', value: banned.during, unit: 'requests' },
      { measure: '  first request after the 418', value: banned.resumedAfter, unit: 'ms' },
      {
        measure: `highest spot weight the exchange counted in a minute (limit ${SPOT_WEIGHT_LIMIT})`,
        value: maxWeight,
        unit: 'weight',
      },
      { measure: 'faults in all (stream cut → cleared)', value: clearedAt - cutAt, unit: 'ms' },
      {
        measure: 'stream sockets open while new ones were refused',
        value: streamSocketsWhileDown,
        unit: 'sockets',
      },
      { measure: 'cleared → stream reconnected', value: streamBackAfter, unit: 'ms' },
      { measure: 'cleared → every symbol has a newer price', value: pricesBackAfter, unit: 'ms' },
      { measure: 'server process crashed (must be no)', value: alive ? 'no' : 'yes', unit: '' },
    ],
    held:
      backwards.length === 0 &&
      badAnswers.length === 0 &&
      limited.during === 0 &&
      banned.during === 0 &&
      maxWeight <= SPOT_WEIGHT_LIMIT &&
      alive &&
      streamSocketsWhileDown === 0,
  });

  expect(alive).toBe(true);
  // The REST faults above really ran with the stream down.
  expect(streamSocketsWhileDown).toBe(0);
  expect(backwards).toEqual([]);
  expect(badAnswers).toEqual([]);
  expect(limited.during).toBe(0);
  expect(banned.during).toBe(0);
  expect(maxWeight).toBeLessThanOrEqual(SPOT_WEIGHT_LIMIT);
});
