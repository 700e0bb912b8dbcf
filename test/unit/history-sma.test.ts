import { describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import { runSmaCrossover } from '../../src/history/index.ts';
import type { Kline } from '../../src/trading/index.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
// Hand-made closes. With fast=2, slow=3 the crossings are (worked out by hand):
// i3: SMA2 10.5 > SMA3 10.33 after 10 = 10 → buy at 11; i7: 11.5 < 12 after 12.5 ≥ 12.33 → sell at 11;
// i10: 10.5 > 10.33 after 10 ≤ 10.33 → buy at 11; the last candle (i11) closes it at 12.
const CLOSES = [10, 10, 10, 11, 12, 13, 12, 11, 10, 10, 11, 12];

function candles(closes: number[]): Kline[] {
  return closes.map((c, i) => ({
    openTime: T0 + i * H,
    open: String(c),
    high: String(c),
    low: String(c),
    close: String(c),
    volume: '1',
    closeTime: T0 + (i + 1) * H - 1,
    quoteVolume: String(c),
    trades: 1,
    takerBuyBaseVolume: '0',
    takerBuyQuoteVolume: '0',
    ignore: '0',
  }));
}

describe('SMA crossover backtest', () => {
  it('buys on a cross up, sells on a cross down and closes at the last candle', () => {
    const result = runSmaCrossover(candles(CLOSES), { fast: 2, slow: 3, startingCash: 1000 });
    expect(
      result.trades.map((t) => [t.entryTime, t.entryPrice, t.exitTime, t.exitPrice, t.exitReason]),
    ).toEqual([
      [T0 + 4 * H - 1, 11, T0 + 8 * H - 1, 11, 'signal'],
      [T0 + 11 * H - 1, 11, T0 + 12 * H - 1, 12, 'end'],
    ]);
    expect(result.numberOfTrades).toBe(2);
    expect(result.finalEquity).toBeCloseTo((1000 / 11) * 12, 9);
    expect(result.totalReturn).toBeCloseTo(1 / 11, 9);
    // Peak 1000/11*13 at i5, trough 1000 at i7: a fall of 2/13.
    expect(result.maxDrawdown).toBeCloseTo(2 / 13, 9);
    expect(result.equityCurve.map((p) => Math.round(p.equity * 1000) / 1000)).toEqual([
      1000, 1000, 1000, 1000, 1090.909, 1181.818, 1090.909, 1000, 1000, 1000, 1000, 1090.909,
    ]);
  });

  it('charges the fee on both sides of every trade', () => {
    const result = runSmaCrossover(candles(CLOSES), { fast: 2, slow: 3, startingCash: 1000, feeBps: 10 });
    const afterFirst = 1000 * 0.999 * 0.999;
    expect(result.trades[0]!.returnPct).toBeCloseTo(afterFirst / 1000 - 1, 12);
    expect(result.finalEquity).toBeCloseTo(((afterFirst * 0.999) / 11) * 12 * 0.999, 9);
  });

  it('makes no trade when the averages never cross', () => {
    const result = runSmaCrossover(candles([5, 6, 7, 8, 9, 10]), { fast: 2, slow: 3 });
    expect(result.numberOfTrades).toBe(0);
    expect(result.totalReturn).toBe(0);
    expect(result.maxDrawdown).toBe(0);
  });

  it('rejects a fast period not below the slow one', () => {
    let err: unknown;
    try {
      runSmaCrossover(candles(CLOSES), { fast: 3, slow: 3 });
    } catch (e) {
      err = e;
    }
    expect(isTradecacheError(err, 'VALIDATION_FAILED')).toBe(true);
  });
});
