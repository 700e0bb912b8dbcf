import { pino } from 'pino';
import { createCacheEngine } from '../src/cache/index.ts';
import { loadConfig } from '../src/config/load.ts';
import { isCluster, type RedisClient, scanNodes } from '../src/redis/client.ts';
import { closeRedisClient, connectRedisClient, createRedisClient } from '../src/redis/connection.ts';
import { startTestCluster } from '../test/helpers/cluster.ts';
import { startTestRedisProcess } from '../test/helpers/sentinel.ts';
import { interleaved } from './cache-engine.ts';
import { tickerPayload } from './cache-payload.ts';
import { benchSymbols, buildFrames, ingestPipeline, runIngest } from './market-ingest.ts';
import type { BenchResult } from './report.ts';

type Row = BenchResult['rows'][number];

/** The cache engine benchmark's read loop at 10,000 keys (no MGET coalescing on a Cluster). */
const CACHE_KEYS = 10_000;
/** The market benchmark's ingest, shorter: 500 symbols, runs alternating between the two setups. */
const SYMBOLS = 500;
const INGEST_ROUNDS = 120;
const INGEST_RUNS = 5;

interface Setup {
  readonly label: string;
  readonly env: Record<string, string>;
}

/**
 * `npm run bench cluster`: the cache engine's reads and the market feed's ingest on a 3-master
 * Redis Cluster (no replicas) beside the same on one redis-server, in the same run and with the
 * same redis.conf but `cluster-enabled` (AOF on, everysec), through the product's own connections
 * (`createRedisClient`). All four servers share this machine's cores with the Node process, so
 * the cluster cannot be faster here: the ratios show what the Cluster client costs (per-slot
 * commands instead of coalesced MGETs, per-master pipelines, slot lookups), not how it scales.
 */
export async function runClusterBench(): Promise<BenchResult> {
  const cluster = await startTestCluster({ replicas: 0 });
  const single = await startTestRedisProcess(['appendonly yes']);
  try {
    const setups: Setup[] = [
      { label: 'one Redis', env: { REDIS_URL: single.url } },
      { label: '3-master cluster', env: cluster.env() },
    ];
    const rows = [...(await cacheRows(setups)), ...(await ingestRows(setups))];
    return {
      name: 'Redis Cluster (3 masters) vs one Redis',
      rows,
      notes: [
        `Cache: the cache engine benchmark's loop (getOrSet of a 1 KiB ticker, 50 in flight, ${CACHE_KEYS.toLocaleString('en-US')} keys, median of 5 interleaved 400 ms rounds) on each setup; on one Redis the Redis tier coalesces concurrent reads into MGETs, on a Cluster each key is its own GET (keys spread over slots).`,
        `Ingest: the market benchmark's feed ingest (${SYMBOLS} symbols, ${INGEST_ROUNDS} rounds = ${(SYMBOLS * INGEST_ROUNDS).toLocaleString('en-US')} ticks per run), ${INGEST_RUNS} runs per setup alternating, median; the write queue sends one pipeline per master on a Cluster.`,
        'Redis CPU is the sum of used_cpu_user + used_cpu_sys over every master. Every server and the Node process share one 2-core machine, so a cluster here is slower by construction: the ratios are the client and coordination overhead, not the scale-out a cluster on separate machines gives.',
      ].join(' '),
    };
  } finally {
    await cluster.destroy();
    await single.destroy();
  }
}

async function connect(setup: Setup, role: 'command' | 'subscriber'): Promise<RedisClient> {
  const config = loadConfig(setup.env).redis;
  const client = createRedisClient(config, { role });
  await connectRedisClient(client, config);
  return client;
}

async function cacheRows(setups: readonly Setup[]): Promise<Row[]> {
  const logger = pino({ level: 'silent' });
  const payload = tickerPayload();
  const factory = async () => payload;
  const json = JSON.stringify(payload);
  const clients: RedisClient[] = [];
  const engines: { close(): Promise<void> }[] = [];
  try {
    const contenders: [string, (key: string) => Promise<unknown>][] = [];
    for (const setup of setups) {
      const raw = await connect(setup, 'command');
      const command = await connect(setup, 'command');
      clients.push(raw, command);
      const engine = createCacheEngine({
        redis: command,
        subscriber: () => {
          const client = createRedisClient(loadConfig(setup.env).redis, { role: 'subscriber' });
          clients.push(client);
          return client;
        },
        prefix: 'bench:cluster',
        logger,
      });
      engines.push(engine);
      await engine.ready();
      const l2 = engine.namespace('l2only', { l1: false, ttlMs: 600_000 });
      const two = engine.namespace('twotier', { ttlMs: 600_000 });
      for (let i = 0; i < CACHE_KEYS; i += 500) {
        await Promise.all(
          Array.from({ length: Math.min(500, CACHE_KEYS - i) }, (_, j) =>
            raw.set(`raw:t${i + j}`, json, 'EX', 600),
          ),
        );
      }
      contenders.push(
        [
          `raw ioredis GET+JSON.parse, ${setup.label}`,
          async (k) => JSON.parse((await raw.get(`raw:${k}`)) ?? 'null'),
        ],
        [`ours redis only, ${setup.label}`, (k) => l2.getOrSet(k, factory)],
        [`ours two-tier, ${setup.label}`, (k) => two.getOrSet(k, factory)],
      );
    }
    const medians = await interleaved(CACHE_KEYS, contenders);
    const rows: Row[] = contenders.map(([label], i) => ({
      label: `cache: ${label}`,
      value: medians[i] ?? 0,
      unit: 'ops/s',
    }));
    const perSetup = contenders.length / setups.length;
    for (let i = 0; i < perSetup; i++) {
      const [label = ''] = contenders[i] ?? [];
      const name = label.replace(/, one Redis$/, '');
      rows.push({
        label: `cache: ${name}, cluster / one Redis`,
        value: round2((medians[i + perSetup] ?? 0) / (medians[i] ?? 1)),
        unit: 'x',
      });
    }
    return rows;
  } finally {
    await Promise.all(engines.map((e) => e.close()));
    await Promise.all(clients.map(closeRedisClient));
  }
}

interface IngestFigures {
  ticksPerSecond: number;
  nodeUsPerTick: number;
  redisUsPerTick: number;
}

async function ingestRows(setups: readonly Setup[]): Promise<Row[]> {
  const symbols = benchSymbols(SYMBOLS);
  const clients = await Promise.all(setups.map((setup) => connect(setup, 'command')));
  try {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    // Warm-up on each (script loading, JIT), then runs taking turns, each on fresh rounds.
    for (const client of clients)
      await runIngest(ingestPipeline(client, symbols, 'warm'), buildFrames(symbols, 20, t0));
    const runs: IngestFigures[][] = setups.map(() => []);
    for (let run = 0; run < INGEST_RUNS; run++) {
      for (const [i, client] of clients.entries()) {
        const frames = buildFrames(symbols, INGEST_ROUNDS, t0, 20 + run * INGEST_ROUNDS);
        runs[i]?.push(await measuredIngest(client, symbols, frames));
      }
    }
    const median = (i: number, pick: (f: IngestFigures) => number) => {
      const values = (runs[i] ?? []).map(pick).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)] ?? 0;
    };
    const rows: Row[] = [];
    const measures: [string, string, (f: IngestFigures) => number][] = [
      ['ingest', 'ticks/s', (f) => f.ticksPerSecond],
      ['ingest Node CPU per tick', 'µs', (f) => f.nodeUsPerTick],
      ['ingest Redis CPU per tick (all masters)', 'µs', (f) => f.redisUsPerTick],
    ];
    for (const [name, unit, pick] of measures) {
      setups.forEach((setup, i) => {
        rows.push({ label: `market: ${name}, ${setup.label}`, value: round2(median(i, pick)), unit });
      });
      rows.push({
        label: `market: ${name}, cluster / one Redis`,
        value: round2(median(1, pick) / median(0, pick)),
        unit: 'x',
      });
    }
    return rows;
  } finally {
    await Promise.all(clients.map(closeRedisClient));
  }
}

async function measuredIngest(
  client: RedisClient,
  symbols: readonly string[],
  frames: readonly Buffer[][],
): Promise<IngestFigures> {
  const pipeline = ingestPipeline(client, symbols, 'bench');
  const redisBefore = await redisCpuSeconds(client);
  const nodeBefore = process.cpuUsage();
  const run = await runIngest(pipeline, frames);
  const node = process.cpuUsage(nodeBefore);
  const redis = (await redisCpuSeconds(client)) - redisBefore;
  pipeline.close();
  return {
    ticksPerSecond: run.ticksPerSecond,
    nodeUsPerTick: (node.user + node.system) / run.ticks,
    redisUsPerTick: (redis * 1e6) / run.ticks,
  };
}

/** used_cpu_user + used_cpu_sys of the server, or of every master of a Cluster. */
async function redisCpuSeconds(client: RedisClient): Promise<number> {
  const nodes = isCluster(client) ? scanNodes(client) : [client];
  let total = 0;
  for (const node of nodes) {
    const info = await node.info('cpu');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    total += field('used_cpu_user') + field('used_cpu_sys');
  }
  return total;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
