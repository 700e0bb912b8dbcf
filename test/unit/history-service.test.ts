import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import { BacktestService, type FetchProgress, HistoryStore } from '../../src/history/index.ts';
import { HistoryFakeExchange } from './history-fake-exchange.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

describe('BacktestService.getHistoricalData', () => {
  let dir: string;
  let now: number;
  let exchange: HistoryFakeExchange;
  let store: HistoryStore;
  let service: BacktestService;
  let sleeps: number[];

  const build = (storeDir: string, extra: Partial<ConstructorParameters<typeof BacktestService>[0]> = {}) =>
    new BacktestService({
      exchange,
      store: new HistoryStore({ dir: storeDir, now: () => now }),
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra,
    });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'history-service-'));
    now = T0 + 30 * 86_400_000;
    sleeps = [];
    exchange = new HistoryFakeExchange(() => now);
    service = build(path.join(dir, 'a'));
    store = service.store;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('pages through the exchange with 1000 rows per spot request and end exclusive', async () => {
    const rows = await service.getHistoricalData('btcusdt', '1m', T0, T0 + 2500 * MIN, 'spot');
    expect(rows).toHaveLength(2500);
    expect(rows[0]!.openTime).toBe(T0);
    expect(rows.at(-1)!.openTime).toBe(T0 + 2499 * MIN);
    expect(exchange.calls.map((c) => c.query.limit)).toEqual([1000, 1000, 1000]);
    expect(exchange.calls.map((c) => c.query.startTime)).toEqual([T0, T0 + 1000 * MIN, T0 + 2000 * MIN]);
    expect(exchange.calls.every((c) => c.query.endTime === T0 + 2500 * MIN - 1)).toBe(true);
  });

  it('asks for 1500 rows per request on futures', async () => {
    await service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 2000 * MIN, 'futures');
    expect(exchange.calls.map((c) => [c.market, c.query.limit])).toEqual([
      ['futures', 1500],
      ['futures', 1500],
    ]);
  });

  it('answers a stored range from the store without calling the exchange', async () => {
    const first = await service.getHistoricalData('BTCUSDT', '1m', '2024-01-01', '2024-01-02');
    const calls = exchange.calls.length;
    const again = await service.getHistoricalData('BTCUSDT', '1m', '2024-01-01T00:00:00Z', T0 + 1440 * MIN);
    expect(exchange.calls.length).toBe(calls);
    expect(again).toEqual(first);
    expect(
      await store.isCached({
        symbol: 'BTCUSDT',
        interval: '1m',
        start: T0,
        end: T0 + 1440 * MIN,
        market: 'spot',
      }),
    ).toBe(true);
  });

  it('shares one exchange pass and one file between two concurrent fetches of one range', async () => {
    exchange.latencyMs = 5;
    const [a, b] = await Promise.all([
      service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 1800 * MIN, 'spot'),
      service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 1800 * MIN, 'spot'),
    ]);
    expect(a).toEqual(b);
    expect(exchange.calls).toHaveLength(2);
    expect((await readdir(store.dir)).sort()).toEqual(
      [
        `${HistoryStore.keyFor({ symbol: 'BTCUSDT', interval: '1m', start: T0, end: T0 + 1800 * MIN, market: 'spot' })}.csv`,
        `${HistoryStore.keyFor({ symbol: 'BTCUSDT', interval: '1m', start: T0, end: T0 + 1800 * MIN, market: 'spot' })}_meta.json`,
      ].sort(),
    );
  });

  it('fetches only the missing spans around and between stored pieces, equal to a direct fetch', async () => {
    await service.getHistoricalData('BTCUSDT', '5m', T0 + 100 * 5 * MIN, T0 + 200 * 5 * MIN);
    await service.getHistoricalData('BTCUSDT', '5m', T0 + 300 * 5 * MIN, T0 + 400 * 5 * MIN);
    exchange.calls.length = 0;
    const merged = await service.getHistoricalData('BTCUSDT', '5m', T0, T0 + 500 * 5 * MIN);
    expect(exchange.calls.map((c) => [c.query.startTime, c.query.endTime])).toEqual([
      [T0, T0 + 100 * 5 * MIN - 1],
      [T0 + 200 * 5 * MIN, T0 + 300 * 5 * MIN - 1],
      [T0 + 400 * 5 * MIN, T0 + 500 * 5 * MIN - 1],
    ]);
    const direct = await build(path.join(dir, 'b')).getHistoricalData(
      'BTCUSDT',
      '5m',
      T0,
      T0 + 500 * 5 * MIN,
    );
    expect(merged).toEqual(direct);
    expect(merged).toHaveLength(500);
    // The pieces were folded into one entry for the whole range.
    expect((await store.getCacheInfo()).entries).toBe(1);
    exchange.calls.length = 0;
    expect(await service.getHistoricalData('BTCUSDT', '5m', T0 + 50 * 5 * MIN, T0 + 450 * 5 * MIN)).toEqual(
      direct.slice(50, 450),
    );
    expect(exchange.calls).toHaveLength(0);
  });

  it('refetches a range whose stored file fails its checksum, after moving it aside', async () => {
    const req = {
      symbol: 'BTCUSDT',
      interval: '1m' as const,
      start: T0,
      end: T0 + 300 * MIN,
      market: 'spot' as const,
    };
    const good = await service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 300 * MIN);
    const file = path.join(store.dir, `${HistoryStore.keyFor(req)}.csv`);
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n[^\n]+\n$/, '\n'));
    exchange.calls.length = 0;
    const again = await service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 300 * MIN);
    expect(again).toEqual(good);
    expect(exchange.calls).toHaveLength(1);
    expect((await readdir(path.join(store.dir, 'corrupt'))).length).toBe(2);
    expect(await store.isCached(req)).toBe(true);
  });

  it('never returns or stores the still-open candle', async () => {
    now = T0 + 90 * MIN + 30_000;
    const rows = await service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 200 * MIN);
    expect(rows).toHaveLength(90);
    expect(rows.every((k) => k.closeTime < now)).toBe(true);
    // A minute later the candle has closed and only that tail is fetched.
    now += MIN;
    exchange.calls.length = 0;
    expect(await service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 200 * MIN)).toHaveLength(91);
    expect(exchange.calls.map((c) => c.query.startTime)).toEqual([T0 + 90 * MIN]);
  });

  it('reports progress with fetched rows, expected rows and requests', async () => {
    const events: FetchProgress[] = [];
    await service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 2500 * MIN, 'spot', {
      onProgress: (p) => events.push(p),
    });
    expect(events[0]).toEqual({ fetchedRows: 0, expectedRows: 2500, requests: 0 });
    expect(events.at(-1)).toEqual({ fetchedRows: 2500, expectedRows: 2500, requests: 3 });
  });

  it('waits for the next minute window when the used weight is near the limit', async () => {
    now += 30_000;
    exchange.weightSnapshot = { usedWeight1m: 5900, observedAt: now - 5_000, pausedUntil: null };
    await service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 10 * MIN);
    expect(sleeps).toEqual([30_000]);
    sleeps.length = 0;
    exchange.weightSnapshot = { usedWeight1m: 100, observedAt: now, pausedUntil: now + 7000 };
    await service.getHistoricalData('BTCUSDT', '1m', T0 + 10 * MIN, T0 + 20 * MIN);
    expect(sleeps).toEqual([7000]);
  });

  it('resumes an aborted fetch without refetching the stored chunks', async () => {
    const resumable = build(path.join(dir, 'c'), { pagesPerChunk: 1 });
    const controller = new AbortController();
    const err = await resumable
      .getHistoricalData('BTCUSDT', '1m', T0, T0 + 5000 * MIN, 'spot', {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.requests === 2) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(isTradecacheError(err, 'ABORTED')).toBe(true);
    exchange.calls.length = 0;
    const rows = await resumable.getHistoricalData('BTCUSDT', '1m', T0, T0 + 5000 * MIN);
    expect(rows).toHaveLength(5000);
    expect(exchange.calls[0]!.query.startTime).toBe(T0 + 2000 * MIN);
    expect(exchange.calls).toHaveLength(3);
  });

  it('rejects bad input with a typed error and writes nothing', async () => {
    const cases: [unknown[], string][] = [
      [['BTCUSDT', '1m', '2024-02-01', '2024-01-01'], 'HISTORY_RANGE_INVALID'],
      [['BTCUSDT', '1m', 'yesterday', '2024-01-01'], 'HISTORY_RANGE_INVALID'],
      [['BTCUSDT', '7m', '2024-01-01', '2024-01-02'], 'EXCHANGE_INVALID_INTERVAL'],
      [['BTC/USDT', '1m', '2024-01-01', '2024-01-02'], 'EXCHANGE_INVALID_SYMBOL'],
      [['BTCUSDT', '1m', '2024-01-01', '2024-01-02', 'options'], 'VALIDATION_FAILED'],
      [['BTCUSDT', '1m', '2010-01-01', '2024-01-02'], 'HISTORY_RANGE_INVALID'],
    ];
    for (const [args, code] of cases) {
      const call = service.getHistoricalData as (...a: unknown[]) => Promise<unknown>;
      const err = await call.apply(service, args).catch((e: unknown) => e);
      expect(isTradecacheError(err), String(args)).toBe(true);
      expect((err as { code: string }).code, String(args)).toBe(code);
    }
    expect(exchange.calls).toHaveLength(0);
    expect((await store.getCacheInfo()).files).toBe(0);
  });
});
