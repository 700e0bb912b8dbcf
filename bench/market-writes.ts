import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { LiveMarket } from '../src/market/live-market.ts';
import type { Candle, CandleInterval } from '../src/market/prices/index.ts';
import { startEmbeddedRedis } from '../src/redis/embedded.ts';
import { createKeys } from '../src/redis/keys/index.ts';
import type { BenchResult } from './report.ts';

/**
 * The write API's share of the feed's ingest: ticks of 500 symbols, each tick a price (with its
 * series point), a trade and six changed candles, queued in a batch and flushed as one pipeline
 * every `perFlush` ticks. Stream decoding and candle building are not in it (the lead's
 * `market` benchmark runs the whole path). Baseline: one pipelined SET per tick on the same
 * redis-server, measured in the same run.
 */
const SYMBOLS = 500;
const TICKS = 200_000;
const INTERVALS: readonly CandleInterval[] = ['1m', '5m', '15m', '1h', '4h', '1d'];
const MS: Record<CandleInterval, number> = {
  '1m': 6e4,
  '5m': 3e5,
  '15m': 9e5,
  '1h': 36e5,
  '4h': 144e5,
  '1d': 864e5,
};

export async function runMarketWritesBench(): Promise<BenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-market-'));
  const server = await startEmbeddedRedis({ dataDir: dir });
  const client = new Redis(server.url);
  try {
    const symbols = Array.from({ length: SYMBOLS }, (_, i) => `S${String(i).padStart(4, '0')}USDT`);
    const baseline = await setBaseline(client, symbols);
    const rows: BenchResult['rows'] = [
      { label: 'baseline: pipelined SET, 1 per tick', value: baseline, unit: 'ticks/s' },
    ];
    for (const perFlush of [500, 2000, 10_000]) {
      await client.flushdb();
      const rate = await ingest(client, symbols, perFlush);
      rows.push({
        label: `batch of ${perFlush} ticks (price+series+trade+6 candles)`,
        value: rate,
        unit: 'ticks/s',
      });
      rows.push({ label: `  ratio to baseline`, value: rate / baseline, unit: '×' });
    }
    return {
      name: 'market-writes',
      rows,
      notes: `${SYMBOLS} symbols, ${TICKS.toLocaleString('en-US')} ticks per run; one pipeline per flush of a few \`market-batch\` calls, each carrying many symbols (at most 600 arguments). Target of the whole feed: ≥ 100k ticks/s.`,
    };
  } finally {
    client.disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function setBaseline(client: Redis, symbols: string[]): Promise<number> {
  const started = performance.now();
  for (let done = 0; done < TICKS; ) {
    const pipeline = client.pipeline();
    for (let i = 0; i < 2000 && done < TICKS; i++, done++) {
      pipeline.set(`base:${symbols[done % symbols.length]}`, `${done}|${done}|60650.00000000`);
    }
    await pipeline.exec();
  }
  return TICKS / ((performance.now() - started) / 1000);
}

async function ingest(client: Redis, symbols: string[], perFlush: number): Promise<number> {
  const live = new LiveMarket({ redis: client, keys: createKeys('bench').market });
  const t0 = 1_700_000_000_000;
  const started = performance.now();
  for (let done = 0; done < TICKS; ) {
    const batch = live.batch('spot');
    for (let i = 0; i < perFlush && done < TICKS; i++, done++) {
      const symbol = symbols[done % symbols.length]!;
      const time = t0 + done;
      const price = `${60_000 + (done % 1000)}.${String(done % 100).padStart(2, '0')}000000`;
      batch.price(symbol, price, time);
      batch.trade(symbol, { id: done, price, quantity: '0.01000000', side: 'buy', time });
      for (const interval of INTERVALS) {
        const openTime = time - (time % MS[interval]);
        const candle: Candle = {
          openTime,
          closeTime: openTime + MS[interval] - 1,
          open: '60000.00000000',
          high: '61000.00000000',
          low: '59000.00000000',
          close: price,
          volume: '12.34000000',
          quoteVolume: '740400.00000000',
          trades: done,
          closed: false,
        };
        batch.candle(symbol, interval, candle, { lastTradeId: done });
      }
    }
    await batch.flush();
  }
  return TICKS / ((performance.now() - started) / 1000);
}
