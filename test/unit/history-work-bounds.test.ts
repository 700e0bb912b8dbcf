import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import { BacktestService, HistoryStore, SharedFlights } from '../../src/history/index.ts';
import { WorkSlots } from '../../src/http/work-slots.ts';
import { HistoryFakeExchange } from './history-fake-exchange.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const NOW = Date.UTC(2024, 5, 1);

describe('SharedFlights', () => {
  it('keeps a shared flight running when one caller leaves, and stops it when the last does', async () => {
    const flights = new SharedFlights<string>();
    let workSignal: AbortSignal | undefined;
    let finish: (v: string) => void = () => {};
    const work = (signal: AbortSignal) => {
      workSignal = signal;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };
    const a = new AbortController();
    const b = new AbortController();
    const first = flights.join('k', work, a.signal);
    const second = flights.join('k', work, b.signal);
    a.abort();
    expect(isTradecacheError(await first.catch((e: unknown) => e), 'ABORTED')).toBe(true);
    await Promise.resolve();
    expect(workSignal?.aborted).toBe(false);
    finish('candles');
    expect(await second).toBe('candles');

    const c = new AbortController();
    const alone = flights.join('k2', work, c.signal).catch((e: unknown) => e);
    await Promise.resolve();
    c.abort();
    expect(workSignal?.aborted).toBe(true);
    finish('late');
    expect(isTradecacheError(await alone, 'ABORTED')).toBe(true);
  });
});

describe('WorkSlots', () => {
  it('runs `slots` at once, queues `maxQueued`, refuses the rest with SERVER_BUSY', async () => {
    const slots = new WorkSlots(1, 1, 7);
    const release = await slots.acquire();
    const queued = slots.acquire();
    const refused = await slots.acquire().catch((e: unknown) => e);
    expect(isTradecacheError(refused, 'SERVER_BUSY')).toBe(true);
    expect((refused as { context: { retryAfterSec: number } }).context.retryAfterSec).toBe(7);
    release();
    release(); // idempotent: the queued caller keeps its slot
    const next = await queued;
    expect(slots.usage()).toEqual({ running: 1, waiting: 0 });
    next();
    expect(slots.usage()).toEqual({ running: 0, waiting: 0 });
  });

  it('lets a caller that gave up leave the line', async () => {
    const slots = new WorkSlots(1, 2);
    const release = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal).catch((e: unknown) => e);
    controller.abort();
    expect(isTradecacheError(await waiting, 'ABORTED')).toBe(true);
    expect(slots.usage()).toEqual({ running: 1, waiting: 0 });
    release();
    expect(slots.usage()).toEqual({ running: 0, waiting: 0 });
  });
});

describe('BacktestService shared fetches', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'history-bounds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes a fetch for the caller still waiting after another one disconnected', async () => {
    const exchange = new HistoryFakeExchange(() => NOW);
    exchange.latencyMs = 5;
    const store = new HistoryStore({ dir: path.join(dir, 'a'), now: () => NOW });
    const service = new BacktestService({ exchange, store, now: () => NOW });
    const leaving = new AbortController();
    const first = service
      .getHistoricalData('BTCUSDT', '1m', T0, T0 + 5000 * MIN, 'spot', { signal: leaving.signal })
      .catch((e: unknown) => e);
    const second = service.getHistoricalData('BTCUSDT', '1m', T0, T0 + 5000 * MIN, 'spot', {
      signal: new AbortController().signal,
    });
    leaving.abort();
    expect(isTradecacheError(await first, 'ABORTED')).toBe(true);
    expect(await second).toHaveLength(5000);
    expect(exchange.calls).toHaveLength(5);
  });

  it('reads a stored range back in slices, in order, without gaps', async () => {
    const exchange = new HistoryFakeExchange(() => NOW);
    const store = new HistoryStore({ dir: path.join(dir, 'b'), now: () => NOW });
    const service = new BacktestService({ exchange, store, now: () => NOW, pagesPerChunk: 2 });
    const req = service.parseRequest('BTCUSDT', '1m', T0, T0 + 4500 * MIN, 'spot');
    expect(await service.needsFetch(req)).toBe(true);
    await service.ensureStored(req);
    expect(await service.needsFetch(req)).toBe(false);
    const calls = exchange.calls.length;
    const opens: number[] = [];
    let slices = 0;
    for await (const slice of service.readStored({ ...req, start: T0 + 10 * MIN }, 700)) {
      slices++;
      expect(slice.length).toBeLessThanOrEqual(700);
      for (const k of slice) opens.push(k.openTime);
    }
    expect(slices).toBeGreaterThan(6);
    expect(opens).toHaveLength(4490);
    expect(opens.every((t, i) => t === T0 + (10 + i) * MIN)).toBe(true);
    expect(exchange.calls).toHaveLength(calls);
  });
});
