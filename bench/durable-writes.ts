import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { PriceAlerts } from '../src/market/alerts/index.ts';
import { DurableAck } from '../src/redis/durable-ack.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../src/redis/embedded.ts';
import { createAlertKeys } from '../src/redis/keys/index.ts';
import { type BenchResult, quantile } from './report.ts';

const ROUND_MS = 1_000;
// Alternating rounds, best of each side: on a shared 2-core machine one round can lose a third
// of its throughput to other work.
const ROUNDS = 4;
const USERS = 500;

interface Side {
  label: string;
  ack: DurableAck;
  appendfsync: 'everysec' | 'always';
}

/**
 * What `REDIS_DURABLE_REPLICAS=1` costs: `PriceAlerts.create` (three scripts/commands on the
 * user's and the symbol's keys, each WAITed) against a master with one replica on loopback,
 * with and without WAIT, and without WAIT but with the master on `appendfsync always`.
 * Alternating 1 s rounds, sequential (latency-bound) and 16 at a time; Node CPU per create
 * from `process.cpuUsage` (less noisy than throughput on a shared machine).
 */
export async function runDurableWritesBench(): Promise<BenchResult> {
  const dirs = await Promise.all(
    [0, 1].map(() => mkdtemp(path.join(os.tmpdir(), 'tradecache-bench-durable-'))),
  );
  const servers: EmbeddedRedis[] = [];
  const clients: Redis[] = [];
  try {
    for (const dataDir of dirs) servers.push(await startEmbeddedRedis({ dataDir }));
    const [master, replica] = servers as [EmbeddedRedis, EmbeddedRedis];
    const redis = new Redis(master.url);
    const onReplica = new Redis(replica.url);
    clients.push(redis, onReplica);
    await onReplica.config('SET', 'masterauth', master.password);
    await onReplica.replicaof('127.0.0.1', master.port);
    await waitForReplica(redis);

    const sides: Side[] = [
      { label: 'no WAIT', ack: DurableAck.off, appendfsync: 'everysec' },
      {
        label: 'WAIT 1 replica',
        ack: new DurableAck({ replicas: 1, timeoutMs: 500 }),
        appendfsync: 'everysec',
      },
      { label: 'no WAIT, appendfsync always', ack: DurableAck.off, appendfsync: 'always' },
    ];
    const alerts = new Map(sides.map((side) => [side, priceAlerts(redis, side.ack)]));
    const rows: BenchResult['rows'] = [];
    for (const concurrency of [1, 16]) {
      const best = new Map<Side, { perSec: number; cpuUs: number }>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of sides) {
          await redis.config('SET', 'appendfsync', side.appendfsync);
          const run = await load(alerts.get(side) as PriceAlerts, concurrency);
          const kept = best.get(side);
          if (!kept || run.perSec > kept.perSec) best.set(side, run);
        }
      }
      const base = best.get(sides[0] as Side)?.perSec ?? Number.NaN;
      for (const side of sides) {
        const run = best.get(side) ?? { perSec: Number.NaN, cpuUs: Number.NaN };
        rows.push({
          label: `${concurrency} at a time: ${side.label}`,
          value: Math.round(run.perSec),
          unit: 'creates/s',
        });
        if (side !== sides[0]) {
          rows.push({
            label: `${concurrency} at a time: ${side.label} / no WAIT`,
            value: Number((run.perSec / base).toFixed(2)),
            unit: '×',
          });
        }
        rows.push({
          label: `${concurrency} at a time: ${side.label}, Node CPU`,
          value: Math.round(run.cpuUs),
          unit: 'µs/create',
        });
      }
    }
    await redis.config('SET', 'appendfsync', 'everysec');
    // WAIT blocks the connection it runs on: commands queued behind it wait too, hence the
    // app's own connection for durable writes.
    const own = new Redis(master.url);
    clients.push(own);
    const waitOptions = { replicas: 1, timeoutMs: 100 };
    const shared = priceAlerts(redis, new DurableAck(waitOptions));
    const apart = priceAlerts(redis, new DurableAck(waitOptions, own));
    const upShared = await readsBeside(redis, shared);
    await onReplica.replicaof('NO', 'ONE');
    rows.push(
      {
        label: 'GET p50 beside 16 WAIT-100 ms creates, replica up, same connection',
        value: upShared,
        unit: 'ms',
      },
      {
        label: 'GET p50 beside them, replica gone, same connection',
        value: await readsBeside(redis, shared),
        unit: 'ms',
      },
      {
        label: 'GET p50 beside them, replica gone, creates on their own connection (the app)',
        value: await readsBeside(redis, apart),
        unit: 'ms',
      },
    );
    return {
      name: 'durable writes (price alert create, master + 1 replica on loopback)',
      notes:
        "`REDIS_DURABLE_REPLICAS=1` WAITs after each of the create's writes (user slot and symbol index in parallel, then the symbol slot: two WAITs in a row). Best of 4 alternating 1 s rounds per side; `appendfsync always` is the master's, without WAIT.",
      rows,
    };
  } finally {
    for (const client of clients) client.disconnect();
    for (const server of servers.reverse()) await server.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

function priceAlerts(redis: Redis, ack: DurableAck): PriceAlerts {
  return new PriceAlerts({
    redis,
    keys: createAlertKeys(`benchdurable${Math.random().toString(36).slice(2, 8)}`),
    maxAlertsPerUser: 1_000_000,
    notificationsKept: 10,
    durable: ack,
    currentPrice: async () => ({ price: '60000.00', time: Date.now() }),
  });
}

/** `concurrency` loops creating alerts (never reached: nothing fires) for ROUND_MS. */
async function load(
  alerts: PriceAlerts,
  concurrency: number,
  tolerateRefusals = false,
): Promise<{ perSec: number; cpuUs: number }> {
  let done = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const until = start + ROUND_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() < until; i += concurrency) {
        const created = alerts.create(`trader${i % USERS}`, {
          market: 'spot',
          symbol: 'BTCUSDT',
          condition: 'above',
          targetPrice: '99000.00',
        });
        if (!tolerateRefusals) await created;
        else if (!(await created.then(() => true).catch(() => false))) continue;
        done++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { perSec: (done * 1000) / elapsed, cpuUs: (used.user + used.system) / done };
}

/** Median latency of GETs on `redis` while 16 loops create alerts through it for ROUND_MS. */
async function readsBeside(redis: Redis, alerts: PriceAlerts): Promise<number> {
  const latencies: number[] = [];
  // Without the replica every create is refused after its WAIT: that is the point.
  const creates = load(alerts, 16, true);
  const until = performance.now() + ROUND_MS;
  while (performance.now() < until) {
    const start = performance.now();
    await redis.get('bench:durable:probe');
    latencies.push(performance.now() - start);
  }
  await creates;
  return Number(
    quantile(
      latencies.sort((a, b) => a - b),
      0.5,
    ).toFixed(2),
  );
}

async function waitForReplica(master: Redis): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (/slave0:.*state=online/.test(await master.info('replication'))) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the replica did not come online');
}
