import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { buildServer } from '../src/http/server.ts';
import { epochMs, startExchangeProcess } from './exchange-process.ts';
import { benchSymbols, buildFrames, type IngestPipeline, ingestPipeline } from './market-ingest.ts';
import { type BenchResult, quantile } from './report.ts';

/**
 * A `start` process (HTTP + feed) in this process, on the simulated exchange in a child process
 * of its own (exchange-process.ts) pointed at as if it were Binance. The load is the
 * 500-symbol ingest of `market-ingest.ts` offered at a fixed rate into that feed's own write
 * queue (its two lanes and its Redis connection, as a feed leader carrying those symbols would
 * have), in two phases: 70 % of the ingest rate measured before in the same run, and about
 * Binance's real all-market volume. Meanwhile the simulated exchange sends a BTCUSDT price every
 * 10 ms on `!miniTicker@arr`, the stream the feed listens to, from its own process (so its timer
 * never waits for the feed's loop) noting when each left; pollers reading
 * `GET /api/v1/cache/price/BTCUSDT` note when each became readable, on the epoch clock both
 * processes share (`epochMs`). Then, without the load, market-data reads against `/health`.
 */
const SAMPLE_MS = 15_000;
const PRICE_EVERY_MS = 10;
const POLLERS = 2;
/**
 * Each poller's pause between two reads: polling flat out would itself be the load (the HTTP
 * server shares the event loop), and every few ms resolves a price sent every 10 ms.
 */
const POLL_EVERY_MS = 4;
const LOAD_SYMBOLS = 500;
/** Load frames handled per turn of the event loop (as one socket read would bring them). */
const FRAMES_PER_READ = 50;
/** Share of the measured ingest rate offered: below saturation, so latency is not all queueing. */
const OFFERED_SHARE = 0.7;
/**
 * Binance spot's whole market, as a feed leader sees it (an estimate, not a measurement):
 * `!miniTicker@arr` carries each symbol whose ticker changed, once a second (about 2,000 spot
 * symbols list), and aggregate trades over all pairs run at a few thousand a second in busy hours.
 */
const BINANCE_TICKS_PER_S = 2_000;
const CONCURRENCY = 32;
const READ_ROUND_MS = 1500;
const READ_ROUNDS = 4;

export const LATENCY_NOTES = [
  'Latency rows: the ingest is offered at a fixed rate (stated in each phase; "achieved" says what the process',
  "kept up with) into the running feed's own write queue while the simulated exchange sends a BTCUSDT price every",
  `${PRICE_EVERY_MS} ms on \`!miniTicker@arr\`; ${POLLERS} pollers, each every ${POLL_EVERY_MS} ms, read GET /api/v1/cache/price/BTCUSDT (rate limit raised with`,
  'HTTP_RATE_LIMIT_PER_MIN for the bench), and a price counts when first seen (a price superseded before any poll',
  "saw it is not a sample; a poll's own duration and the pause between polls, about 2 ms on average, are inside each figure). An offered rate is the right measure: an",
  'exchange sends at its own pace whatever we do, so the question is how long a price takes at a given volume;',
  'driving the ingest flat out measures only how long the queue behind it is (queueing grows without bound at',
  `saturation). Phases: ${Math.round(OFFERED_SHARE * 100)} % of the ingest rate measured above in this run, and`,
  `${BINANCE_TICKS_PER_S.toLocaleString('en-US')} ticks/s, an estimate of Binance spot's whole market (every changed`,
  "symbol's mini ticker once a second, aggregate trades over all pairs at a few thousand a second). The simulated",
  'exchange runs in a child process of its own (at the lowest CPU priority, standing for another machine), pointed',
  'at as if it were Binance: its 10 ms price timer never waits for the feed, and each latency runs from the moment',
  'it handed that price to its socket to the first poll that read it, both on the same machine clock. The GC row sums',
  "the garbage collector's pauses in this process (feed, HTTP server and pollers) over the phase: a price arriving",
  'during a pause waits for it, so when pauses take more than 1 % of the time the p99 is made of them.',
].join(' ');

export async function runLatencyBench(
  client: Redis,
  redisUrl: string,
  ingestRate: number,
): Promise<BenchResult['rows']> {
  const sim = await startExchangeProcess();
  const config = loadConfig({
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: 'latency',
    EXCHANGE: 'binance',
    BINANCE_SPOT_URL: sim.spotUrl,
    BINANCE_FUTURES_URL: sim.futuresUrl,
    BINANCE_SPOT_STREAM_URL: sim.spotStreamUrl,
    BINANCE_FUTURES_STREAM_URL: sim.futuresStreamUrl,
    FEED_WATCH_SYMBOLS: 'BTCUSDT',
    LOG_LEVEL: 'error',
    PORT: '0',
    // The pollers make thousands of requests a minute from one address.
    HTTP_RATE_LIMIT_PER_MIN: '100000000',
  });
  const ctx = await createApp(config, { role: 'start', logWrite: () => {} });
  const server = await buildServer(ctx);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    await waitForPrice(agent, base);
    const queue = ctx.feed?.feed('spot')?.writeQueue;
    if (!queue) throw new Error('the latency bench needs the spot feed leading');
    const symbols = benchSymbols(LOAD_SYMBOLS);
    const pipeline = ingestPipeline(client, symbols, 'latency', queue);
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    let nextRound = 0;
    const rows: BenchResult['rows'] = [];
    // The lighter phase first: a saturated one leaves a backlog behind.
    const phases = [
      { name: "about Binance's all-market volume", rate: BINANCE_TICKS_PER_S },
      {
        name: `${Math.round(OFFERED_SHARE * 100)} % of the measured ingest rate`,
        rate: ingestRate * OFFERED_SHARE,
      },
    ];
    for (const phase of phases) {
      sim.startPriceStream('spot', 'BTCUSDT', PRICE_EVERY_MS);
      const gc = watchGcPauses();
      const load = offerLoad(pipeline, symbols, phase.rate, t0, nextRound);
      const seen = await pollPrices(agent, base, load.done);
      const offered = await load.result;
      const pauses = gc.stop();
      nextRound += offered.rounds;
      const prices = await sim.stopPriceStream();
      const latencies = [...seen].flatMap(([key, at]) => {
        const left = prices.left.get(key);
        return left === undefined ? [] : [at - left];
      });
      latencies.sort((a, b) => a - b);
      rows.push(
        { label: `load offered: ${phase.name}`, value: phase.rate, unit: 'ticks/s' },
        {
          label: '  load achieved (ingest in the feed, same process)',
          value: offered.ticks / offered.seconds,
          unit: 'ticks/s',
        },
        { label: '  stream → GET /api/v1/cache/price p50', value: quantile(latencies, 0.5), unit: 'ms' },
        { label: '  stream → GET /api/v1/cache/price p99', value: quantile(latencies, 0.99), unit: 'ms' },
        {
          label: '  stream → GET /api/v1/cache/price max',
          value: latencies.at(-1) ?? Number.NaN,
          unit: 'ms',
        },
        {
          label: '  GC pauses of this process (feed, HTTP, pollers), share of the time',
          value: pauses.share * 100,
          unit: `% (${pauses.count} pauses, longest ${pauses.longestMs.toFixed(1)} ms)`,
        },
        {
          label: '  prices sampled (of those sent)',
          value: latencies.length,
          unit: `prices (of ${prices.sent})`,
        },
      );
      // The next phase starts with both lanes empty.
      await queue.flush();
    }
    pipeline.close();
    const health = await bestOf(agent, `${base}/health`);
    const marketData = await bestOf(agent, `${base}/api/v1/cache/market-data/BTCUSDT`);
    return [
      ...rows,
      { label: 'GET /health (baseline)', value: health, unit: 'req/s' },
      { label: 'GET /api/v1/cache/market-data/BTCUSDT', value: marketData, unit: 'req/s' },
      { label: '  ratio to /health', value: marketData / health, unit: '×' },
    ];
  } finally {
    agent.destroy();
    await server.close();
    await ctx.close();
    await sim.close();
  }
}

/**
 * Offers `rate` ticks a second for SAMPLE_MS: one round (a mini-ticker frame of every symbol and
 * one aggTrade each) at its due time, whether or not the feed kept up (an exchange does not
 * wait); a round that is late runs at once, so "achieved" falls below "offered" at saturation.
 */
function offerLoad(
  pipeline: IngestPipeline,
  symbols: readonly string[],
  rate: number,
  t0: number,
  firstRound: number,
): { done: () => boolean; result: Promise<{ ticks: number; seconds: number; rounds: number }> } {
  let finished = false;
  const result = (async () => {
    const roundMs = (symbols.length / rate) * 1000;
    const started = performance.now();
    let r = 0;
    for (; r * roundMs < SAMPLE_MS; r++) {
      const wait = started + r * roundMs - performance.now();
      await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
      const round = buildFrames(symbols, 1, t0, firstRound + r)[0]!;
      // A socket hands over a few frames per read, not a whole round: other work runs between.
      for (let f = 0; f < round.length; f += FRAMES_PER_READ) {
        if (f > 0) await new Promise((resolve) => setImmediate(resolve));
        for (const frame of round.slice(f, f + FRAMES_PER_READ)) pipeline.handle(frame);
      }
    }
    finished = true;
    return { ticks: r * symbols.length, seconds: (performance.now() - started) / 1000, rounds: r };
  })();
  return { done: () => finished, result };
}

/**
 * The garbage collector's stop-the-world pauses from now until `stop()`: every price that
 * arrives during one waits for it, so their share of the time bounds what a p99 can escape.
 */
function watchGcPauses(): { stop: () => { count: number; share: number; longestMs: number } } {
  const started = performance.now();
  let count = 0;
  let totalMs = 0;
  let longestMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      count++;
      totalMs += entry.duration;
      longestMs = Math.max(longestMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      observer.disconnect();
      return { count, share: totalMs / (performance.now() - started), longestMs };
    },
  };
}

/**
 * Reads the price with POLLERS loops until `done`: when each price (`<time>|<price>`) was first
 * read (epoch ms), to be matched with when it left the exchange.
 */
async function pollPrices(
  agent: http.Agent,
  base: string,
  done: () => boolean,
): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const poller = async (_: unknown, n: number) => {
    await sleep((n * POLL_EVERY_MS) / POLLERS);
    while (!done()) {
      const body = (await getJson(agent, `${base}/api/v1/cache/price/BTCUSDT`)) as {
        time?: number;
        price?: string;
      };
      const key = `${body.time}|${body.price}`;
      if (!seen.has(key)) seen.set(key, epochMs());
      await sleep(POLL_EVERY_MS);
    }
  };
  await Promise.all(Array.from({ length: POLLERS }, poller));
  return seen;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
