import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseStreamPayload } from '../src/exchange/binance/streams/index.ts';
import { feedMetrics, WriteQueue } from '../src/market/feed/index.ts';
import { StreamFeed } from '../src/market/feed/stream-feed.ts';
import { WatchedSymbol } from '../src/market/feed/watched-symbol.ts';
import { LiveMarket } from '../src/market/live-market.ts';
import type { RedisClient } from '../src/redis/client.ts';
import { createKeys } from '../src/redis/keys/index.ts';
import type { ExchangeClient, Ticker24h } from '../src/trading/index.ts';

/**
 * The feed's ingest, end to end but for the socket: the JSON text of combined-stream frames
 * (`!miniTicker@arr` with every symbol, one `<s>@aggTrade` per symbol and round) is parsed like
 * the stream connection parses it (`JSON.parse`, `parseStreamPayload`) and handed to the feed's
 * own StreamFeed and WatchedSymbols, which build the six candle intervals and write through the
 * feed's WriteQueue. A tick = one symbol's price (with its series point and rolling 24h record)
 * plus one trade (recent-trades list and six candles).
 */
export interface IngestRun {
  readonly ticks: number;
  readonly seconds: number;
  readonly ticksPerSecond: number;
}

/** Names like `S0042USDT`: valid symbols, none of them the simulated exchange's. */
export function benchSymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `S${String(i).padStart(4, '0')}USDT`);
}

/**
 * Pre-built frames of `rounds` rounds (so building them is not timed), from round `firstRound`
 * on: event times and trade ids go on rising from one call to the next, so no round replays one.
 * Each frame is the bytes a WebSocket message arrives as (the `ws` package hands the stream
 * connection a Buffer, which it decodes): strings kept from building would be concatenations
 * that the first JSON.parse flattens into new, retained copies, a cost no socket has.
 */
export function buildFrames(
  symbols: readonly string[],
  rounds: number,
  t0: number,
  firstRound = 0,
): Buffer[][] {
  const out: Buffer[][] = [];
  let tradeId = 1_000_000 + firstRound * symbols.length;
  for (let r = firstRound; r < firstRound + rounds; r++) {
    const E = t0 + r * 10;
    const frames: Buffer[] = [];
    const tickers = symbols.map((s, i) => {
      const c = price(i, r);
      return `{"e":"24hrMiniTicker","E":${E},"s":"${s}","c":"${c}","o":"60000.00000000","h":"61000.00000000","l":"59000.00000000","v":"1234.56700000","q":"74074020.00000000"}`;
    });
    frames.push(Buffer.from(`{"stream":"!miniTicker@arr","data":[${tickers.join(',')}]}`));
    for (let i = 0; i < symbols.length; i++) {
      const s = symbols[i]!;
      tradeId++;
      frames.push(
        Buffer.from(
          `{"stream":"${s.toLowerCase()}@aggTrade","data":{"e":"aggTrade","E":${E},"s":"${s}","a":${tradeId + i * 1_000_000},"p":"${price(i, r)}","q":"0.01${String(r % 1000).padStart(3, '0')}000","f":${tradeId * 2},"l":${tradeId * 2 + (r % 3)},"T":${E - 1},"m":${r % 2 === 0},"M":true}}`,
        ),
      );
    }
    out.push(frames);
  }
  return out;
}

function price(i: number, r: number): string {
  return `${60_000 + ((i * 7 + r) % 1000)}.${String((r * 13 + i) % 100).padStart(2, '0')}000000`;
}

/** An exchange the ingest never calls (no depth or bookTicker streams in it). */
const NO_EXCHANGE = new Proxy({} as ExchangeClient, {
  get: (_t, name) => {
    if (name === 'serverNow') return () => null;
    return () => Promise.reject(new Error(`the ingest benchmark calls no exchange (${String(name)})`));
  },
});

export interface IngestPipeline {
  readonly queue: WriteQueue;
  /** Decodes and handles one frame, as the stream connection does. */
  handle(frame: Buffer): void;
  close(): void;
}

/**
 * The feed's stream path for `symbols`, all of them watched, writing under `prefix`; with `shared`,
 * into that write queue instead (a running feed's, so the load shares its lanes and connection).
 */
export function ingestPipeline(
  redis: RedisClient,
  symbols: readonly string[],
  prefix: string,
  shared?: WriteQueue,
): IngestPipeline {
  const metrics = feedMetrics(new Registry());
  const logger = pino({ level: 'silent' });
  const queue =
    shared ??
    new WriteQueue({
      live: new LiveMarket({ redis, keys: createKeys(prefix).market }),
      market: 'spot',
      metrics,
      logger,
    });
  const watched = new Map<string, WatchedSymbol>();
  for (const s of symbols) {
    watched.set(
      s,
      new WatchedSymbol(s, {
        market: 'spot',
        exchange: NO_EXCHANGE,
        queue,
        metrics,
        logger,
        orderBookDepth: 20,
        onCandleClosed: () => {},
      }),
    );
  }
  // Nothing stored and no stream outage: release the trade hold as a connected stream would.
  for (const w of watched.values()) void w.catchUp();
  const feed = new StreamFeed({
    market: 'spot',
    baseUrl: 'ws://127.0.0.1:9',
    exchange: NO_EXCHANGE,
    queue,
    metrics,
    logger,
    livenessMs: 60_000,
    watched,
    restStats: new Map<string, Ticker24h>(),
  });
  return {
    queue,
    handle(frame) {
      const msg = JSON.parse(frame.toString()) as { stream: string; data: unknown };
      feed.onEvent(parseStreamPayload(msg.stream, msg.data));
    },
    close() {
      for (const w of watched.values()) w.close();
    },
  };
}

/**
 * Feeds every frame, waiting only when every flush slot is busy (as a socket's bytes would pile
 * up in the batch), and counts until the last write is answered.
 */
export async function runIngest(pipeline: IngestPipeline, frames: readonly Buffer[][]): Promise<IngestRun> {
  const symbolsPerRound = frames[0]!.length - 1;
  const started = performance.now();
  for (const round of frames) {
    for (const frame of round) pipeline.handle(frame);
    await pipeline.queue.room();
    // Let sockets and timers run between rounds, as between two network reads.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await pipeline.queue.flush();
  const seconds = (performance.now() - started) / 1000;
  const ticks = symbolsPerRound * frames.length;
  return { ticks, seconds, ticksPerSecond: ticks / seconds };
}
