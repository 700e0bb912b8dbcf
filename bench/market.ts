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
    const ingest = await runIngest(pipeline, frames);
    pipeline.close();
    const setRate = await redisBenchmarkSet(server.port, server.password);
    const { runLatencyBench } = await import('./market-latency.ts');
    const latency = await runLatencyBench(client, server.url);
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
          ...latency,
        ],
        notes: [
          `${SYMBOLS} symbols, all watched, ${(SYMBOLS * ROUNDS).toLocaleString('en-US')} ticks: each round one \`!miniTicker@arr\` frame`,
          `with every symbol and one \`<s>@aggTrade\` frame per symbol, as JSON text; parsed as the stream connection`,
          "parses, handled by the feed's StreamFeed/WatchedSymbol, written through its WriteQueue (flush every 15 ms or",
          'at 20 000 writes, 2 flushes in flight, open candles once per symbol per flush). Targets: ≥ 100k ticks/s;',
          'stream → HTTP p99 ≤ 50 ms.',
        ].join(' '),
      },
    ];
  } finally {
    client.disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
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
