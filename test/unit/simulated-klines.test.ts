import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildUniverse,
  KlineGenerator,
  PriceModel,
  selectOpenTimes,
} from '../../src/exchange/simulated/index.ts';
import type { KlineInterval } from '../../src/trading/index.ts';
import { alignDown, nextOpen } from '../../src/trading/index.ts';

const universe = buildUniverse(42);
const model = new PriceModel(universe);
const klines = new KlineGenerator(model, universe);
const btc = universe.find('spot', 'BTCUSDT')!;
const NOW = Date.UTC(2026, 10, 20, 12, 34, 56, 789);
const INTERVALS: KlineInterval[] = ['1s', '1m', '5m', '1h', '4h', '1d', '3d', '1w', '1M'];

describe('simulated klines', () => {
  it('aligns weeks to Monday 00:00 UTC and months to the first of the month', () => {
    const wed = Date.UTC(2024, 4, 15, 13, 0);
    expect(alignDown('1w', wed)).toBe(Date.UTC(2024, 4, 13));
    expect(alignDown('1M', wed)).toBe(Date.UTC(2024, 4, 1));
    expect(nextOpen('1M', Date.UTC(2024, 11, 1))).toBe(Date.UTC(2025, 0, 1));
    expect(alignDown('1h', wed + 59 * 60_000)).toBe(wed);
  });

  it('joins any two consecutive candles: close of one equals open of the next', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INTERVALS),
        fc.integer({ min: Date.UTC(2019, 0, 1), max: NOW - 90 * 86_400_000 }),
        (interval, t) => {
          const o = alignDown(interval, t);
          const a = klines.row(btc, interval, o, NOW);
          const b = klines.row(btc, interval, nextOpen(interval, o), NOW);
          expect(a[4]).toBe(b[1]);
          expect(a[6]).toBe(b[0] - 1);
          expect(Number(a[2])).toBeGreaterThanOrEqual(Number(a[3]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never selects candles before listing or after now, and honours limit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INTERVALS),
        fc.option(fc.integer({ min: Date.UTC(2015, 0, 1), max: NOW + 86_400_000 }), { nil: undefined }),
        fc.option(fc.integer({ min: Date.UTC(2015, 0, 1), max: NOW + 86_400_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 300 }),
        (interval, startTime, endTime, limit) => {
          const opens = selectOpenTimes(btc, { interval, limit, startTime, endTime }, NOW);
          expect(opens.length).toBeLessThanOrEqual(limit);
          for (const [i, o] of opens.entries()) {
            expect(o).toBeLessThanOrEqual(NOW);
            expect(nextOpen(interval, o)).toBeGreaterThan(btc.listedAt);
            if (startTime !== undefined) expect(o).toBeGreaterThanOrEqual(startTime);
            if (endTime !== undefined) expect(o).toBeLessThanOrEqual(endTime);
            if (i > 0) expect(o).toBe(nextOpen(interval, opens[i - 1]!));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('prices cross pairs consistently with their USDT legs', () => {
    const eth = universe.find('spot', 'ETHUSDT')!;
    const ethBtc = universe.find('spot', 'ETHBTC')!;
    const t = Date.UTC(2025, 6, 1);
    expect(model.price(ethBtc, t)).toBeCloseTo(model.price(eth, t) / model.price(btc, t), 10);
  });

  it('freezes a halted symbol at its halt time', () => {
    const halted = universe.spot.find((d) => d.status === 'BREAK')!;
    expect(halted.haltedAt).not.toBeNull();
    expect(model.price(halted, NOW)).toBe(model.price(halted, halted.haltedAt!));
    const last = selectOpenTimes(halted, { interval: '1d', limit: 1 }, NOW);
    expect(last[0]).toBeLessThan(halted.haltedAt!);
  });
});
