import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import type { HistoryRequest } from '../../src/history/index.ts';
import { HistoryStore, parseKlinesCsv } from '../../src/history/index.ts';
import { HistoryFakeExchange } from './history-fake-exchange.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 10);

function candles(start: number, count: number) {
  return Array.from({ length: count }, (_, i) =>
    HistoryFakeExchange.candle('BTCUSDT', '1m', start + i * 60_000),
  );
}

describe('HistoryStore', () => {
  let dir: string;
  let now: number;
  let store: HistoryStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'history-store-'));
    now = T0 + 10 * DAY;
    store = new HistoryStore({ dir: path.join(dir, 'history'), now: () => now });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const old: HistoryRequest = {
    symbol: 'BTCUSDT',
    interval: '1m',
    start: T0,
    end: T0 + 60 * 60_000,
    market: 'spot',
  };

  it('keeps a range that ended more than a day ago valid forever', async () => {
    await store.cacheData(old, candles(T0, 60));
    expect(await store.isCached(old)).toBe(true);
    now += 400 * DAY;
    expect(await store.isCached(old)).toBe(true);
    expect(await store.getCachedData(old)).toHaveLength(60);
  });

  it('expires a range ending within a day of now 24 hours after caching', async () => {
    const start = now - 2 * 60 * 60_000;
    const recent: HistoryRequest = { ...old, start, end: now - 60 * 60_000 };
    await store.cacheData(recent, candles(start, 60));
    now += DAY - 1;
    expect(await store.isCached(recent)).toBe(true);
    now += 1;
    expect(await store.isCached(recent)).toBe(false);
    expect(await store.getCachedData(recent)).toBeNull();
  });

  it('treats a range that ended just over a day before caching as historical', async () => {
    const end = now - DAY - 60_000;
    const req: HistoryRequest = { ...old, start: end - 60 * 60_000, end };
    await store.cacheData(req, candles(end - 60 * 60_000, 60));
    now += 30 * DAY;
    expect(await store.isCached(req)).toBe(true);
  });

  it('never stores the still-open candle as final', async () => {
    const start = now - 3 * 60_000;
    const req: HistoryRequest = { ...old, start, end: now + 5 * 60_000 };
    // Three closed candles, then the one containing `now`.
    const meta = await store.cacheData(req, candles(start, 4));
    expect(meta.rows).toBe(3);
    expect(meta.coveredEnd).toBe(now);
    const rows = await store.getCachedData(req);
    expect(rows?.every((k) => k.closeTime < now)).toBe(true);
  });

  it('writes the 12-column CSV with header and a meta file with the checksum', async () => {
    const meta = await store.cacheData(old, candles(T0, 60));
    const key = HistoryStore.keyFor(old);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    const csv = await readFile(path.join(store.dir, `${key}.csv`), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore',
    );
    expect(parseKlinesCsv(csv)).toEqual(candles(T0, 60));
    const onDisk = JSON.parse(await readFile(path.join(store.dir, `${key}_meta.json`), 'utf8'));
    expect(onDisk).toMatchObject({
      symbol: 'BTCUSDT',
      interval: '1m',
      marketType: 'spot',
      rows: 60,
      timeUnit: 'ms',
    });
    expect(onDisk.sha256).toBe(meta.sha256);
    expect((await readdir(store.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('never serves a file whose checksum does not match and moves it aside', async () => {
    await store.cacheData(old, candles(T0, 60));
    const file = path.join(store.dir, `${HistoryStore.keyFor(old)}.csv`);
    const csv = await readFile(file, 'utf8');
    await writeFile(file, csv.replace('100.', '900.'));
    expect(await store.getCachedData(old)).toBeNull();
    expect(await store.isCached(old)).toBe(false);
    const corrupt = await readdir(path.join(store.dir, 'corrupt'));
    expect(corrupt.some((n) => n.endsWith('.csv'))).toBe(true);
    expect((await store.getCacheInfo()).corruptFiles).toBe(2);
  });

  it('reports file count, symbols and bytes, and clears everything', async () => {
    await store.cacheData(old, candles(T0, 60));
    await store.cacheData({ ...old, symbol: 'ETHUSDT' }, candles(T0, 10));
    const info = await store.getCacheInfo();
    expect(info.files).toBe(4);
    expect(info.entries).toBe(2);
    expect(info.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(info.totalBytes).toBeGreaterThan(0);
    expect((await store.clearCache()).removedFiles).toBe(4);
    expect((await store.getCacheInfo()).files).toBe(0);
    expect(await store.isCached(old)).toBe(false);
  });

  it('fails with HISTORY_STORE_FAILED and leaves no file when the directory cannot be written', async () => {
    // Tests may run as root, where chmod does not stop writes: use a path under a regular file.
    const blocker = path.join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const broken = new HistoryStore({ dir: path.join(blocker, 'history'), now: () => now });
    const err = await broken.cacheData(old, candles(T0, 60)).catch((e: unknown) => e);
    expect(isTradecacheError(err, 'HISTORY_STORE_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/not-a-dir/);
    expect(await readdir(dir)).toEqual(['not-a-dir']);
  });

  it('keeps concurrent writers of one key whole', async () => {
    const a = candles(T0, 60);
    const b = candles(T0, 60).map((k) => ({ ...k, ignore: '1' }));
    await Promise.all([store.cacheData(old, a), store.cacheData(old, b), store.cacheData(old, a)]);
    const rows = await store.getCachedData(old);
    expect(rows).toEqual(a);
    const names = await readdir(store.dir);
    expect(names.sort()).toEqual([
      `${HistoryStore.keyFor(old)}.csv`,
      `${HistoryStore.keyFor(old)}_meta.json`,
    ]);
  });
});
