import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { HistoryStore, parseKlinesCsv } from '../src/history/index.ts';
import type { Kline } from '../src/trading/index.ts';

const ROWS = 525_600; // one year of 1m candles
const T0 = Date.UTC(2023, 0, 1);

function yearOfCandles(): Kline[] {
  const out = new Array<Kline>(ROWS);
  for (let i = 0; i < ROWS; i++) {
    const p = (20_000 + 5_000 * Math.sin(i / 5_000)).toFixed(8);
    out[i] = {
      openTime: T0 + i * 60_000,
      open: p,
      high: p,
      low: p,
      close: p,
      volume: '12.34500000',
      closeTime: T0 + i * 60_000 + 59_999,
      quoteVolume: '246900.00000000',
      trades: i % 500,
      takerBuyBaseVolume: '6.17250000',
      takerBuyQuoteVolume: '123450.00000000',
      ignore: '0',
    };
  }
  return out;
}

/** The baseline: csv-parse on the same text, mapped to the same Kline objects. */
function csvParseKlines(text: string): Kline[] {
  const records = parse(text, { from_line: 2 }) as string[][];
  return records.map((r) => ({
    openTime: Number(r[0]),
    open: r[1]!,
    high: r[2]!,
    low: r[3]!,
    close: r[4]!,
    volume: r[5]!,
    closeTime: Number(r[6]),
    quoteVolume: r[7]!,
    trades: Number(r[8]),
    takerBuyBaseVolume: r[9]!,
    takerBuyQuoteVolume: r[10]!,
    ignore: r[11]!,
  }));
}

function rowsPerSecond(fn: () => Kline[], runs: number): number {
  fn(); // warm-up
  const t = performance.now();
  for (let i = 0; i < runs; i++) if (fn().length !== ROWS) throw new Error('row count mismatch');
  return (ROWS * runs) / ((performance.now() - t) / 1000);
}

/** Loading a stored year of 1m candles: our CSV loader vs csv-parse on the same file. */
export async function runHistoryBench(): Promise<{
  name: string;
  rows: { label: string; value: number; unit: string }[];
}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-history-bench-'));
  try {
    const store = new HistoryStore({ dir, now: () => T0 + 400 * 86_400_000 });
    const req = {
      symbol: 'BTCUSDT',
      interval: '1m' as const,
      start: T0,
      end: T0 + ROWS * 60_000,
      market: 'spot' as const,
    };
    const meta = await store.cacheData(req, yearOfCandles());
    const text = await readFile(path.join(dir, `${meta.key}.csv`), 'utf8');
    const ours = rowsPerSecond(() => parseKlinesCsv(text), 3);
    const baseline = rowsPerSecond(() => csvParseKlines(text), 2);
    const t = performance.now();
    const loaded = await store.getCachedData(req);
    const storeLoad = (loaded?.length ?? 0) / ((performance.now() - t) / 1000);
    return {
      name: `history load (${ROWS.toLocaleString('en-US')} 1m candles, ${(meta.bytes / 2 ** 20).toFixed(1)} MiB CSV)`,
      rows: [
        { label: 'parseKlinesCsv', value: Math.round(ours), unit: 'rows/s' },
        { label: 'csv-parse (baseline)', value: Math.round(baseline), unit: 'rows/s' },
        { label: 'ratio ours / csv-parse', value: ours / baseline, unit: 'x' },
        {
          label: 'HistoryStore.getCachedData (read + sha256 + parse)',
          value: Math.round(storeLoad),
          unit: 'rows/s',
        },
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table((await runHistoryBench()).rows);
}
