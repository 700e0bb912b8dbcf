import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../src/redis/embedded.ts';
import { runAlertCheckBench } from './alerts-check.ts';
import { FANOUT_SYMBOLS, runFanoutBench } from './alerts-fanout.ts';
import { runAlertLatencyBench } from './alerts-latency.ts';
import { startAlertsBenchServer } from './alerts-server.ts';
import type { BenchResult } from './report.ts';

/**
 * `npm run bench alerts`, on one private redis-server: the alert check throughput with 1k and
 * 1M alerts (alerts-check.ts), the latency from a price crossing a target at the simulated
 * exchange (a process of its own) to the notification on a WebSocket (alerts-latency.ts), and
 * 1,000 WebSocket clients of one server process (alerts-fanout.ts).
 */
export async function runAlertsBench(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-alerts-'));
  const server = await startEmbeddedRedis({ dataDir: dir });
  const client = new Redis(server.url);
  try {
    const rows: BenchResult['rows'] = [...(await runAlertCheckBench(client))];
    // The 1M alerts go before the app benchmarks share this Redis (other key prefixes).
    await client.flushdb();
    const app = await startAlertsBenchServer(server.url, dir, {
      FEED_WATCH_SYMBOLS: FANOUT_SYMBOLS.join(','),
      MAX_ALERTS_PER_USER: '1000',
      // 1,000 sockets and the bench's own requests: past the default cap of open connections.
      HTTP_MAX_CONNECTIONS: '5000',
    });
    try {
      rows.push(...(await runAlertLatencyBench(app)));
      rows.push(...(await runFanoutBench(app)));
    } finally {
      await app.close();
    }
    return [
      {
        name: 'alerts',
        rows,
        notes: [
          'Check: `checkPrices` (one pipelined alert-check call per symbol and price) on 500 symbols per round,',
          'rounds alternating between a set with 1k alerts and one with 1M alerts (500 symbols each) in the same',
          'redis-server; no price reaches a target. Latency and fan-out: `tradecache start` as a child process',
          '(stream feed, 20 watched symbols, HTTP_MAX_CONNECTIONS=5000) on the simulated exchange, which runs in a',
          'child process of its own (bench/exchange-process.ts, at the lowest CPU priority: it stands for another',
          "machine), pointed at as if it were Binance. Latency: alerts one satoshi above and below each of 100 symbols'",
          'price, re-armed 250 ms after each fire (out of the burst being timed), so about 100 notifications a second,',
          "a frame's all within a few ms of each other (the p99 is about the worst of some 30 frames); from the moment the exchange handed",
          "a `!miniTicker@arr` frame to its socket (noted in the exchange's process) to the `alerts` message on the",
          "child's WebSocket, beside the same frames' `price:` messages on that socket (baseline), all on the same",
          'machine clock. Only the symbols that hold alerts are checked (the checked-symbol index), and a flush',
          'publishes its price updates before its alert checks. Fan-out: 1,000 clients in the bench process, each on',
          '`price:` and `trades:` of 10 of the 20 watched symbols. Targets: 1M/1k ≥ 0.8; notification p99 ≤ 100 ms.',
        ].join(' '),
      },
    ];
  } finally {
    client.disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
