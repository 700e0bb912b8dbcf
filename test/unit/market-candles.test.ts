import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import {
  type AggTrade,
  CANDLE_INTERVALS,
  type Candle,
  type CandleInterval,
  TradeCandles,
} from '../../src/market/candles/index.ts';

const MS: Record<CandleInterval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};
const DAY0 = Date.UTC(2021, 7, 14);

/** Reference decimal math: values as BigInt units of 10^-8 (inputs) and 10^-16 (products). */
const units8 = (s: string) => {
  const [i, f = ''] = s.split('.');
  return BigInt(i! + f.padEnd(8, '0'));
};
function print(units: bigint, scale: number): string {
  const digits = units.toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}
/** Fraction digits of a decimal string as given (`"0.10"` → 2). */
const places = (s: string) => (s.split('.')[1] ?? '').length;
/** `units` × 10^-scale with exactly `width` (≤ scale) fraction digits, or more when not exact. */
function printAt(units: bigint, scale: number, width: number): string {
  const text = print(units, scale);
  const shown = places(text);
  if (shown >= width) return text;
  return `${text}${shown === 0 && width > 0 ? '.' : ''}${'0'.repeat(width - shown)}`;
}

/** Candles computed directly: group the trades by bucket, then fold each group. */
function direct(trades: AggTrade[], interval: CandleInterval) {
  const groups = new Map<number, AggTrade[]>();
  for (const t of trades) {
    const open = Math.floor(t.time / MS[interval]) * MS[interval];
    groups.set(open, [...(groups.get(open) ?? []), t]);
  }
  return [...groups.entries()].map(([openTime, ts]) => {
    const prices = ts.map((t) => units8(t.price));
    const hi = prices.reduce((a, b) => (b > a ? b : a));
    const lo = prices.reduce((a, b) => (b < a ? b : a));
    const buys = ts.filter((t) => t.buyerIsMaker === false);
    // As the exchange prints: volumes as wide as the widest quantity, quote volumes as wide
    // as the widest price × quantity but at most 8 places unless the exact sum needs more.
    const volWidth = Math.max(...ts.map((t) => places(t.quantity)));
    const quoteWidth = Math.min(8, Math.max(...ts.map((t) => places(t.price) + places(t.quantity))));
    const vol = (xs: AggTrade[]) =>
      printAt(
        xs.reduce((s, t) => s + units8(t.quantity), 0n),
        8,
        volWidth,
      );
    const quote = (xs: AggTrade[]) =>
      printAt(
        xs.reduce((s, t) => s + units8(t.price) * units8(t.quantity), 0n),
        16,
        quoteWidth,
      );
    return {
      openTime,
      closeTime: openTime + MS[interval] - 1,
      open: ts[0]!.price,
      close: ts[ts.length - 1]!.price,
      high: ts[prices.indexOf(hi)]!.price,
      low: ts[prices.indexOf(lo)]!.price,
      volume: vol(ts),
      quoteVolume: quote(ts),
      takerBuyVolume: vol(buys),
      takerBuyQuoteVolume: quote(buys),
      trades: ts.reduce((n, t) => n + t.lastTradeId - t.firstTradeId + 1, 0),
      firstTradeId: ts[0]!.firstTradeId,
      lastTradeId: ts[ts.length - 1]!.lastTradeId,
    };
  });
}

const decimal8 = fc.bigInt({ min: 1n, max: 10n ** 14n }).map((u) => print(u, 8));
/** Ascending trades over ~2 days with random gaps (some longer than an interval). */
const tradeStream = fc
  .array(
    fc.record({
      price: decimal8,
      quantity: decimal8,
      size: fc.integer({ min: 1, max: 5 }),
      gap: fc.oneof(fc.integer({ min: 0, max: 90_000 }), fc.integer({ min: 0, max: 20_000_000 })),
      buyerIsMaker: fc.boolean(),
    }),
    { minLength: 1, maxLength: 120 },
  )
  .map((rows) => {
    let id = 1000;
    let time = DAY0 + 12_345;
    return rows.map((r): AggTrade => {
      time += r.gap;
      const t = {
        price: r.price,
        quantity: r.quantity,
        firstTradeId: id,
        lastTradeId: id + r.size - 1,
        time,
      };
      id += r.size;
      return { ...t, buyerIsMaker: r.buyerIsMaker };
    });
  });

/** Every candle of `interval` with trades, closed ones then the open one. */
function built(candles: TradeCandles, closed: Candle[], interval: CandleInterval) {
  const all = [...closed.filter((c) => c.interval === interval)];
  const open = candles.current(interval);
  if (open) all.push(open);
  return all.filter((c) => c.trades > 0).map(({ interval: _i, closed: _c, ...rest }) => rest);
}

function run(trades: AggTrade[], candles = new TradeCandles()): Candle[] {
  return trades.flatMap((t) => candles.applyTrade(t).closed);
}

describe('candles from trades', () => {
  it('equal a direct computation for every interval', () => {
    fc.assert(
      fc.property(tradeStream, (trades) => {
        const candles = new TradeCandles();
        const closed = run(trades, candles);
        for (const interval of CANDLE_INTERVALS) {
          expect(built(candles, closed, interval)).toEqual(direct(trades, interval));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('ignore trades already applied, also when resumed from a snapshot taken mid-stream', () => {
    fc.assert(
      fc.property(tradeStream, fc.nat(), (trades, cut) => {
        const at = cut % (trades.length + 1);
        const first = new TradeCandles();
        const closedBefore = run(trades.slice(0, at), first);
        // A new worker resumes from the stored snapshot and is fed the whole stream again.
        const second = new TradeCandles(CANDLE_INTERVALS, first.snapshot());
        const closedAfter = run(trades, second);
        const closed = [...closedBefore, ...closedAfter];
        for (const interval of CANDLE_INTERVALS) {
          expect(built(second, closed, interval)).toEqual(direct(trades, interval));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('reports duplicates and overlaps without changing the candle', () => {
    const candles = new TradeCandles(['1m']);
    const t = { price: '1.5', quantity: '2', firstTradeId: 10, lastTradeId: 12, time: DAY0 + 1000 };
    expect(candles.applyTrade(t).outcome).toBe('applied');
    expect(candles.applyTrade(t).outcome).toBe('duplicate');
    expect(candles.applyTrade({ ...t, firstTradeId: 12, lastTradeId: 14 }).outcome).toBe('overlap');
    expect(candles.current('1m')).toMatchObject({
      trades: 3,
      volume: '2',
      // 1.5 × 2: one decimal wide, as the exchange prints a quote volume.
      quoteVolume: '3.0',
      lastTradeId: 12,
    });
  });

  it('closes a candle once its time has passed, with Binance open and close times', () => {
    const candles = new TradeCandles(['1m', '1h']);
    candles.applyTrade({ price: '0.1', quantity: '3', firstTradeId: 1, lastTradeId: 1, time: DAY0 + 61_000 });
    expect(candles.advance(DAY0 + 119_999)).toEqual([]);
    const closed = candles.advance(DAY0 + 120_000);
    expect(closed).toEqual([
      expect.objectContaining({
        interval: '1m',
        openTime: DAY0 + 60_000,
        closeTime: DAY0 + 119_999,
        closed: true,
      }),
    ]);
    expect(candles.current('1m')).toBeUndefined();
    expect(candles.current('1h')).toMatchObject({
      openTime: DAY0,
      closeTime: DAY0 + 3_599_999,
      closed: false,
    });
  });

  it('fills quiet minutes with flat candles at the previous close', () => {
    const candles = new TradeCandles(['1m']);
    candles.applyTrade({ price: '2.50', quantity: '1', firstTradeId: 1, lastTradeId: 1, time: DAY0 + 5 });
    const { closed } = candles.applyTrade({
      price: '2.60',
      quantity: '1',
      firstTradeId: 2,
      lastTradeId: 2,
      time: DAY0 + 3 * 60_000 + 5,
    });
    expect(closed.map((c) => [c.openTime - DAY0, c.open, c.close, c.volume, c.trades])).toEqual([
      [0, '2.50', '2.50', '1', 1],
      [60_000, '2.50', '2.50', '0', 0],
      [120_000, '2.50', '2.50', '0', 0],
    ]);
    expect(closed[1]).toMatchObject({ high: '2.50', low: '2.50', firstTradeId: -1, lastTradeId: -1 });
  });

  it('rejects a malformed trade and changes nothing', () => {
    const candles = new TradeCandles(['1m']);
    candles.applyTrade({ price: '1', quantity: '1', firstTradeId: 1, lastTradeId: 1, time: DAY0 });
    const before = candles.snapshot();
    for (const bad of [
      { price: '1e2', quantity: '1', firstTradeId: 2, lastTradeId: 2, time: DAY0 },
      { price: '1', quantity: '-1', firstTradeId: 2, lastTradeId: 2, time: DAY0 },
      { price: '1', quantity: '1', firstTradeId: 3, lastTradeId: 2, time: DAY0 },
      { price: '1', quantity: '1', firstTradeId: 2, lastTradeId: 2, time: Number.NaN },
    ]) {
      let caught: unknown;
      try {
        candles.applyTrade(bad);
      } catch (err) {
        caught = err;
      }
      expect(isTradecacheError(caught, 'VALIDATION_FAILED')).toBe(true);
    }
    expect(candles.snapshot()).toEqual(before);
  });
});
