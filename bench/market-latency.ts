import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { buildServer } from '../src/http/server.ts';
import { benchSymbols, buildFrames, ingestPipeline, runIngest } from './market-ingest.ts';
import { type BenchResult, quantile } from './report.ts';

/**
 * A `start` process (HTTP + feed) on the simulated exchange, in this process, while the 500-symbol
 * ingest of `market-ingest.ts` runs on the same event loop and Redis (other keys). A second,
 * raw WebSocket on the simulated exchange's `!miniTicker@arr` notes when each BTCUSDT price
 * left it; a loop reading `GET /api/v1/cache/price/BTCUSDT` notes when that price became
 * readable. Then, without the load, market-data reads against `/health`.
 */
const SAMPLE_MS = 12_000;
const CONCURRENCY = 32;
const READ_ROUND_MS = 1500;
const READ_ROUNDS = 4;

export async function runLatencyBench(client: Redis, redisUrl: string): Promise<BenchResult['rows']> {
  const config = loadConfig({
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: 'latency',
    EXCHANGE: 'simulated',
    FEED_WATCH_SYMBOLS: 'BTCUSDT',
    LOG_LEVEL: 'error',
    PORT: '0',
  });
  const ctx = await createApp(config, { role: 'start', logWrite: () => {} });
  const server = await buildServer(ctx);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const left = new Map<number, number>();
  const observer = new WebSocket(`${ctx.exchangeStreamUrls.spot}/stream?streams=!miniTicker@arr`);
  observer.on('message', (data) => {
    const at = performance.now();
    const msg = JSON.parse(String(data)) as { data?: { s: string; E: number }[] };
    const btc = msg.data?.find((t) => t.s === 'BTCUSDT');
    if (btc) left.set(btc.E, at);
  });
  try {
    await waitForPrice(agent, base);
    // The load: the ingest benchmark, round after round, until the sampling ends.
    const symbols = benchSymbols(500);
    const frames = buildFrames(symbols, 100, Math.floor(Date.now() / 60_000) * 60_000);
    const pipeline = ingestPipeline(client, symbols, 'latency-load');
    let loading = true;
    let loadTicks = 0;
    const loadStarted = performance.now();
    const load = (async () => {
      while (loading) loadTicks += (await runIngest(pipeline, frames)).ticks;
    })();
    const latencies: number[] = [];
    const seen = new Set<number>();
    const until = performance.now() + SAMPLE_MS;
    while (performance.now() < until) {
      const body = await getJson(agent, `${base}/api/v1/cache/price/BTCUSDT`);
      const time = (body as { time?: number }).time;
      const sent = time === undefined ? undefined : left.get(time);
      if (time !== undefined && sent !== undefined && !seen.has(time)) {
        seen.add(time);
        latencies.push(performance.now() - sent);
      }
    }
    loading = false;
    await load;
    const loadRate = loadTicks / ((performance.now() - loadStarted) / 1000);
    pipeline.close();
    latencies.sort((a, b) => a - b);
    const health = await bestOf(agent, `${base}/health`);
    const marketData = await bestOf(agent, `${base}/api/v1/cache/market-data/BTCUSDT`);
    return [
      { label: 'load during the latency run (ingest, same process)', value: loadRate, unit: 'ticks/s' },
      { label: 'stream → GET /api/v1/cache/price p50', value: quantile(latencies, 0.5), unit: 'ms' },
      { label: 'stream → GET /api/v1/cache/price p99', value: quantile(latencies, 0.99), unit: 'ms' },
      { label: '  prices sampled', value: latencies.length, unit: 'prices' },
      { label: 'GET /health (baseline)', value: health, unit: 'req/s' },
      { label: 'GET /api/v1/cache/market-data/BTCUSDT', value: marketData, unit: 'req/s' },
      { label: '  ratio to /health', value: marketData / health, unit: '×' },
    ];
  } finally {
    observer.close();
    agent.destroy();
    await server.close();
    await ctx.close();
  }
}

async function waitForPrice(agent: http.Agent, base: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const body = (await getJson(agent, `${base}/api/v1/cache/price/BTCUSDT`)) as { price?: string };
    if (body.price) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the feed wrote no BTCUSDT price within 30 s');
}

/** Requests per second with CONCURRENCY keep-alive clients; best of a few rounds (shared CPU). */
async function bestOf(agent: http.Agent, url: string): Promise<number> {
  let best = 0;
  for (let round = 0; round < READ_ROUNDS; round++) {
    const started = Date.now();
    const deadline = started + READ_ROUND_MS;
    let done = 0;
    // Each client its own loopback address: the per-address rate limit (1200 a minute) is the
    // API's, and a benchmark from one address would measure only it.
    const worker = async (_: unknown, w: number) => {
      const localAddress = `127.0.${round + 1}.${w + 1}`;
      while (Date.now() < deadline) {
        const status = await get(agent, url, localAddress);
        if (status !== 200) throw new Error(`GET ${url} answered ${status}`);
        done++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    best = Math.max(best, (done * 1000) / (Date.now() - started));
  }
  return best;
}

function get(agent: http.Agent, url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, localAddress }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

function getJson(agent: http.Agent, url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve(text ? JSON.parse(text) : {}));
      })
      .on('error', reject);
  });
}
