import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import {
  BacktestService,
  formatKlinesCsv,
  HistoryStore,
  KLINE_CSV_HEADER,
  parseArchiveFileName,
  readArchiveKlines,
} from '../../src/history/index.ts';
import { HistoryFakeExchange } from './history-fake-exchange.ts';

const ARCHIVE = path.resolve(
  import.meta.dirname,
  '../../../shared/fixtures/binance/data.binance.vision/spot/daily/klines/ADABTC/1m',
);
const ZIP = path.join(ARCHIVE, 'ADABTC-1m-2021-11-28.zip');
const CSV = path.join(ARCHIVE, 'ADABTC-1m-2021-11-28.csv');
const DAY = Date.UTC(2021, 10, 28);

describe('data.binance.vision archive import', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'history-archive-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports the zip and the csv to the same 1,440 rows, equal to the CSV row for row', async () => {
    const fromZip = await readArchiveKlines(ZIP);
    const fromCsv = await readArchiveKlines(CSV);
    expect(fromZip).toHaveLength(1440);
    expect(fromZip).toEqual(fromCsv);
    const recorded = (await readFile(CSV, 'utf8')).trimEnd().split(/\r?\n/);
    const written = formatKlinesCsv(fromZip).trimEnd().split('\n').slice(1);
    expect(written).toEqual(recorded);
    expect(fromZip[0]!.openTime).toBe(DAY);
    expect(fromZip.at(-1)!.closeTime).toBe(DAY + 86_400_000 - 1);
  });

  it('reads microsecond timestamps as milliseconds and skips a header row', async () => {
    const file = path.join(dir, 'BTCUSDT-1h-2025-01-01.csv');
    await writeFile(
      file,
      `${KLINE_CSV_HEADER}\r\n1735689600000000,4.15070000,4.15870000,4.15060000,4.15540000,539.23000000,1735693199999999,2240.39860900,13,401.82000000,1669.98121300,0\r\n`,
    );
    const [row, ...rest] = await readArchiveKlines(file);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      openTime: 1735689600000,
      closeTime: 1735693199999,
      open: '4.15070000',
      trades: 13,
    });
  });

  it('infers symbol, interval and day or month from the file name', () => {
    expect(parseArchiveFileName(ZIP)).toEqual({
      symbol: 'ADABTC',
      interval: '1m',
      start: DAY,
      end: DAY + 86_400_000,
      market: null,
    });
    expect(
      parseArchiveFileName('/x/futures/um/monthly/klines/BTCUSDT/1mo/BTCUSDT-1mo-2024-02.zip'),
    ).toMatchObject({
      interval: '1M',
      start: Date.UTC(2024, 1, 1),
      end: Date.UTC(2024, 2, 1),
      market: 'futures',
    });
    expect(parseArchiveFileName('prices.csv')).toBeNull();
  });

  it('serves an imported day from the store without calling the exchange', async () => {
    const now = Date.UTC(2024, 0, 1);
    const exchange = new HistoryFakeExchange(() => now);
    const service = new BacktestService({
      exchange,
      store: new HistoryStore({ dir: path.join(dir, 's'), now: () => now }),
      now: () => now,
    });
    const meta = await service.importArchive(ZIP);
    expect(meta).toMatchObject({ symbol: 'ADABTC', interval: '1m', marketType: 'spot', rows: 1440 });
    const rows = await service.getHistoricalData('ADABTC', '1m', '2021-11-28T06:00', '2021-11-28T07:00');
    expect(rows).toEqual((await readArchiveKlines(CSV)).slice(360, 420));
    expect(exchange.calls).toHaveLength(0);
  });

  it('rejects a file with a broken row with HISTORY_IMPORT_INVALID', async () => {
    const file = path.join(dir, 'BTCUSDT-1m-2024-01-01.csv');
    await writeFile(file, '1704067200000,1,1,1,1,1,1704067259999,1,3,1,1,0\n1704067260000,1,1\n');
    const err = await readArchiveKlines(file).catch((e: unknown) => e);
    expect(isTradecacheError(err, 'HISTORY_IMPORT_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/line 2/);
  });
});
