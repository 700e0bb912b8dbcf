import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { pino } from 'pino';
import { createCacheEngine } from '../src/cache/index.ts';
import { MemoryTier } from '../src/cache/tiers/memory-tier.ts';
import { startEmbeddedRedis } from '../src/redis/embedded.ts';
import { tickerPayload } from './cache-payload.ts';

type Row = { label: string; value: number; unit: string };
const IN_FLIGHT = 50;
const KEY_COUNTS = [1, 10_000];
/** Contenders take turns, round after round; each reports its median round. */
const ROUNDS = 5;
/** Each round runs for a fixed time, so a fast contender is not timed over a few milliseconds. */
const ROUND_MS = 400;

/** Reads for `ROUND_MS` with `IN_FLIGHT` concurrent callers cycling over `keys` keys; ops/s. */
async function throughput(keys: number, read: (key: string) => Promise<unknown>): Promise<number> {
  let next = 0;
  let stop = false;
  const started = performance.now();
  const deadline = started + ROUND_MS;
  const worker = async () => {
    while (!stop) {
      const i = next++;
      // Reading the clock every 128 reads keeps its cost out of the measurement.
      if ((i & 127) === 0 && performance.now() >= deadline) stop = true;
      await read(`t${i % keys}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return Math.round(next / ((performance.now() - started) / 1000));
}

/** Reads every key once, so no timed round pays for a miss. */
async function fillAll(keys: number, read: (key: string) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys) await read(`t${next++}`);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/**
 * Median ops/s of each contender over `ROUNDS` interleaved rounds, after one warm-up round each
 * (which also fills the keys). Interleaving spreads background noise (GC, AOF, other processes on a
 * 2-core machine) over all contenders instead of letting it land on whoever runs at that moment.
 */
export async function interleaved(
  keys: number,
  contenders: readonly (readonly [string, (key: string) => Promise<unknown>])[],
): Promise<number[]> {
  for (const [, read] of contenders) {
    await fillAll(keys, read);
    await throughput(keys, read);
  }
  const samples: number[][] = contenders.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, read]] of contenders.entries()) samples[i]?.push(await throughput(keys, read));
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)] ?? 0);
}

/**
 * Cache read throughput of raw ioredis, bentocache, cache-manager and ours on one private
 * redis-server, the cross-process stampede, and L1 memory per entry. Ratios are against raw
 * ioredis GET + JSON.parse measured in the same run.
 */
export async function runCacheBench(): Promise<{ name: string; rows: Row[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-bench-'));
  const server = await startEmbeddedRedis({ dataDir: dir });
  const connections: Redis[] = [];
  const connect = (lazy = false) => {
    const c = new Redis(server.url, { lazyConnect: lazy });
    connections.push(c);
    return c;
  };
  const rows: Row[] = [];
  const logger = pino({ level: 'silent' });
  const payload = tickerPayload();
  const factory = async () => payload;
  try {
    const raw = connect();
    const engine = createCacheEngine({
      redis: connect(),
      subscriber: () => connect(true),
      prefix: 'bench:cache',
      logger,
    });
    await engine.ready();
    const oursL2 = engine.namespace('l2only', { l1: false, ttlMs: 600_000 });
    const oursTwo = engine.namespace('twotier', { ttlMs: 600_000 });
    const bentoL2 = new BentoCache({
      default: 'r',
      stores: { r: bentostore().useL2Layer(redisDriver({ connection: connect() })) },
    });
    const bentoTwo = new BentoCache({
      default: 'm',
      stores: {
        m: bentostore()
          .useL1Layer(memoryDriver({ maxSize: '64mb' }))
          .useL2Layer(redisDriver({ connection: connect() }))
          .useBus(
            redisBusDriver({
              connection: { host: '127.0.0.1', port: server.port, password: server.password },
            }),
          ),
      },
    });
    const keyv = new Keyv({ store: new KeyvRedis(server.url), namespace: 'cm' });
    const cacheManager = createCache({ stores: [keyv] });

    const json = JSON.stringify(payload);
    const contenders: [string, (key: string) => Promise<unknown>][] = [
      ['raw ioredis GET+JSON.parse', async (k) => JSON.parse((await raw.get(`raw:${k}`)) ?? 'null')],
      ['bentocache redis', (k) => bentoL2.getOrSet({ key: k, factory, ttl: '10m' })],
      ['bentocache memory+redis+bus', (k) => bentoTwo.getOrSet({ key: k, factory, ttl: '10m' })],
      ['cache-manager 7 + @keyv/redis', (k) => cacheManager.wrap(k, factory, 600_000)],
      ['ours redis only', (k) => oursL2.getOrSet(k, factory)],
      ['ours two-tier', (k) => oursTwo.getOrSet(k, factory)],
    ];
    for (const keys of KEY_COUNTS) {
      const pipeline = raw.pipeline();
      for (let i = 0; i < keys; i++) pipeline.set(`raw:t${i}`, json, 'EX', 600);
      await pipeline.exec();
      const medians = await interleaved(keys, contenders);
      const baseline = medians[0] ?? 1;
      for (const [i, [label]] of contenders.entries()) {
        const ops = medians[i] ?? 0;
        rows.push({ label: `${label}, ${keys} key(s)`, value: ops, unit: 'ops/s' });
        rows.push({ label: `${label}, ${keys} key(s) vs raw`, value: round2(ops / baseline), unit: 'x' });
      }
      // The targets are also stated against bentocache, layer for layer.
      const [, bentoRedis = 1, bentoTwo = 1, , oursRedis = 0, oursTwo = 0] = medians;
      rows.push(
        {
          label: `ours redis only vs bentocache redis, ${keys} key(s) (target >= 1.5)`,
          value: round2(oursRedis / bentoRedis),
          unit: 'x',
        },
        {
          label: `ours two-tier vs bentocache memory+redis+bus, ${keys} key(s) (target >= 20)`,
          value: round2(oursTwo / bentoTwo),
          unit: 'x',
        },
      );
    }
    await engine.close();
    await bentoL2.disconnectAll();
    await bentoTwo.disconnectAll();
    await cacheManager.disconnect();

    rows.push(...(await stampede(server.url)));
    rows.push(...l1Memory(payload));
  } finally {
    for (const c of connections) c.disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { name: 'cache engine (1 KiB ticker, 50 in flight)', rows };
}

/** Stampede rounds; each uses a fresh cold key. */
const STAMPEDE_ROUNDS = 5;

/**
 * Two real processes × 500 concurrent getOrSet on one cold key (50 ms factory), `STAMPEDE_ROUNDS`
 * times: total factory calls, and how long after the first call (in either process) the last of
 * the 1,000 callers had its value (median and worst round).
 */
export async function stampede(url: string): Promise<Row[]> {
  const run = promisify(execFile);
  const script = path.join(import.meta.dirname, 'cache-stampede.ts');
  const startAt = String(Date.now() + 2_000);
  const outputs = await Promise.all(
    [0, 1].map(() =>
      run(process.execPath, [
        '--import',
        'tsx',
        script,
        url,
        'stampede:cache',
        startAt,
        String(STAMPEDE_ROUNDS),
      ]),
    ),
  );
  type Round = { calls: number; firstCallAt: number; lastResolvedAt: number };
  const [a = [], b = []] = outputs.map((o) =>
    o.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Round),
  );
  const rounds = a.map((mine, i) => {
    const theirs = b[i] ?? mine;
    return {
      calls: mine.calls + theirs.calls,
      spreadMs:
        Math.max(mine.lastResolvedAt, theirs.lastResolvedAt) - Math.min(mine.firstCallAt, theirs.firstCallAt),
    };
  });
  const spreads = rounds.map((r) => r.spreadMs).sort((x, y) => x - y);
  return [
    {
      label: `stampede: factory calls per round, 2 processes x 500 getOrSet (cold key, ${STAMPEDE_ROUNDS} rounds, max)`,
      value: Math.max(...rounds.map((r) => r.calls)),
      unit: 'calls',
    },
    {
      label:
        'stampede: last of 1,000 resolved after the first call, median round (50 ms factory; target <= 80)',
      value: round1(spreads[Math.floor(spreads.length / 2)] ?? 0),
      unit: 'ms',
    },
    {
      label: 'stampede: same, worst round',
      value: round1(spreads[spreads.length - 1] ?? 0),
      unit: 'ms',
    },
  ];
}

/** Heap bytes per entry of our L1 (frozen values in the byte-bounded LRU) vs a Map of parsed objects. */
function l1Memory(payload: Record<string, unknown>): Row[] {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const json = JSON.stringify(payload);
  const n = 10_000;
  const measure = (fill: () => unknown) => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const keep = fill();
    gc();
    const bytes = (process.memoryUsage().heapUsed - before) / n;
    return { keep, bytes: Math.round(bytes) };
  };
  const map = measure(() => {
    const m = new Map<string, unknown>();
    for (let i = 0; i < n; i++) m.set(`bench:cache:ns:t${i}`, JSON.parse(json));
    return m;
  });
  const tier = new MemoryTier(1 << 30);
  const ours = measure(() => {
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      tier.set(
        `bench:cache:ns:t${i}`,
        {
          value: JSON.parse(json),
          createdAt: now,
          expiresAt: now + 1,
          staleUntil: now + 1,
          keepUntil: now + 1,
        },
        json.length,
      );
    }
    return tier;
  });
  return [
    { label: 'L1 heap bytes per entry: Map of parsed objects', value: map.bytes, unit: 'bytes' },
    {
      label: 'L1 heap bytes per entry: ours (LRU + frozen value + lifetimes)',
      value: ours.bytes,
      unit: 'bytes',
    },
    {
      label: 'L1 budget charged per entry (our estimate)',
      value: Math.round(tier.calculatedBytes / n),
      unit: 'bytes',
    },
    { label: 'L1 ours vs Map', value: round2(ours.bytes / map.bytes), unit: 'x' },
  ];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round1 = (x: number) => Math.round(x * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runCacheBench();
  console.log(result.name);
  console.table(result.rows);
}
