import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../src/redis/embedded.ts';
import { benchSymbols, buildFrames, ingestPipeline, runIngest } from './market-ingest.ts';
import type { BenchResult } from './report.ts';

const run = promisify(execFile);

/**
 * `npm run bench market`: the live feed's ingest of 500 symbols beside `redis-benchmark -P 16 -t
 * set` on the same private redis-server in the same run; then (market-latency.ts) the latency
 * from the simulated exchange's stream to `GET /api/v1/cache/price/:symbol` under that load, and
 * the market-data read throughput against `/health`.
 */
const SYMBOLS = 500;
const ROUNDS = 400;

export async function runMarketBench(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-market-'));
  const server = await startEmbeddedRedis({ dataDir: dir });
  const client = new Redis(server.url);
  try {
    const symbols = benchSymbols(SYMBOLS);
    const frames = buildFrames(symbols, ROUNDS, Math.floor(Date.now() / 60_000) * 60_000);
    // A short warm-up run (script loading, JIT), then the measured one.
    await runIngest(ingestPipeline(client, symbols, 'warm'), frames.slice(0, 40));
    await client.flushdb();
    const pipeline = ingestPipeline(client, symbols, 'bench');
    // CPU time as well as wall time: on a shared machine the wall clock measures the neighbours
    // too, while CPU µs per tick (ours and redis-server's) is what the design costs.
    const redisCpuBefore = await redisCpuSeconds(client);
    const nodeCpuBefore = process.cpuUsage();
    const ingest = await runIngest(pipeline, frames);
    const nodeCpu = process.cpuUsage(nodeCpuBefore);
    const redisCpu = (await redisCpuSeconds(client)) - redisCpuBefore;
    pipeline.close();
    const nodeUsPerTick = (nodeCpu.user + nodeCpu.system) / ingest.ticks;
    const redisUsPerTick = (redisCpu * 1e6) / ingest.ticks;
    const setRate = await redisBenchmarkSet(server.port, server.password);
    const { runLatencyBench, LATENCY_NOTES } = await import('./market-latency.ts');
    const latency = await runLatencyBench(client, server.url, ingest.ticksPerSecond);
    return [
      {
        name: 'market',
        rows: [
          {
            label: 'ingest: decode + price/series/24h + trade + 6 candles → Redis',
            value: ingest.ticksPerSecond,
            unit: 'ticks/s',
          },
          { label: 'redis-benchmark -P 16 -t set (same redis-server)', value: setRate, unit: 'SET/s' },
          { label: '  ingest ticks per SET', value: ingest.ticksPerSecond / setRate, unit: '×' },
          {
            label: '  Node CPU per tick (decode, candles, queue, ioredis)',
            value: nodeUsPerTick,
            unit: 'µs',
          },
          { label: '  redis-server CPU per tick', value: redisUsPerTick, unit: 'µs' },
          {
            label: '  ticks/s one core each could carry (1e6 / the larger of the two)',
            value: 1e6 / Math.max(nodeUsPerTick, redisUsPerTick),
            unit: 'ticks/s',
          },
          ...latency,
        ],
        notes: [
          `${SYMBOLS} symbols, all watched, ${(SYMBOLS * ROUNDS).toLocaleString('en-US')} ticks. A tick is one symbol's`,
          'price from a `!miniTicker@arr` frame (current price, its series point, its rolling 24h record) plus one',
          "`<s>@aggTrade` of that symbol (recent-trades list and the six candle intervals 1m … 1d: a minute's first trade goes",
          'to all six, its later ones into one gathered accumulator the six take at the flush). Each round is one',
          '`!miniTicker@arr` frame with every symbol and one `<s>@aggTrade` frame per symbol, as the Buffers a socket hands over; decoded as',
          "the stream connection decodes, handled by the feed's StreamFeed/WatchedSymbol, written through its",
          'WriteQueue: a price lane (newest price per symbol, 1 ms after it came, one flush under way, on a connection of',
          'its own) and a bulk lane (series points, trades, candles, 24h records, every 100 ms, a window that ends during a',
          'flush waiting for it, or at 20 000 writes in a second slot; open candles once per symbol per flush), each flush',
          'a few `market-batch` calls of many symbols (at most 600 arguments each), encoded and sent in turns of at most 2 ms.',
          'CPU rows: process.cpuUsage() and redis-server INFO cpu over the ingest run. Targets: ≥ 100k ticks/s;',
          'stream → HTTP p99 ≤ 50 ms. Run under `uptime` load noted in the report: wall-clock figures on this',
          'shared 2-core machine move with the neighbours; the CPU rows much less.',
          LATENCY_NOTES,
        ].join(' '),
      },
    ];
  } finally {
    client.disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** redis-server's own CPU time so far (user + system), from INFO cpu. */
async function redisCpuSeconds(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Debian's redis-benchmark against our redis-server: pipelined SETs per second. */
async function redisBenchmarkSet(port: number, password: string): Promise<number> {
  const { stdout } = await run(
    'redis-benchmark',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-a',
      password,
      '-P',
      '16',
      '-t',
      'set',
      '-n',
      '1000000',
      '-q',
      '--csv',
    ],
    { env: { PATH: process.env.PATH ?? '' } },
  );
  // --csv: "test","rps",...; the SET row.
  const row = stdout.split('\n').find((line) => line.startsWith('"SET"'));
  const value = Number(row?.split(',')[1]?.replaceAll('"', ''));
  if (!Number.isFinite(value)) throw new Error(`unexpected redis-benchmark output: ${stdout.slice(0, 200)}`);
  return value;
}
