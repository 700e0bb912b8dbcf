import { describe, expect, it } from 'vitest';
import { DEPTH_STEP_MS, DepthModel, type TouchedLevels } from '../../src/exchange/simulated/depth-book.ts';
import { buildUniverse, PriceModel } from '../../src/exchange/simulated/index.ts';

/**
 * The simulated depth stream against Binance's rule for a local book: a snapshot whose
 * lastUpdateId lies anywhere in a diff's `U..u` range, plus that diff, is the book at `u`. A diff
 * spanning several steps (the stream's timer ran late) must therefore name every level updated
 * inside the range, not only those that differ at its two ends.
 */
const universe = buildUniverse(42);
const model = new DepthModel(new PriceModel(universe), universe);
const FULL = 1000; // more than the levels a side holds: a snapshot of the whole book
const SPAN = 6;

type Levels = [string, string][];
interface Book {
  bids: Levels;
  asks: Levels;
}

function snapshotAt(symbol: string, step: number): Book {
  const def = universe.find('spot', symbol)!;
  const { bids, asks } = model.snapshot(def, FULL, step * DEPTH_STEP_MS);
  return { bids, asks };
}

/** Applies diff levels by hand: quantity zero removes a level. */
function apply(book: Book, diff: { b: Levels; a: Levels }): Book {
  const side = (levels: Levels, changes: Levels, descending: boolean): Levels => {
    const map = new Map(levels);
    for (const [price, qty] of changes) {
      if (Number(qty) === 0) map.delete(price);
      else map.set(price, qty);
    }
    // Sorting by Number is safe here: the test's prices have 8 decimals well inside a double.
    return [...map].sort((x, y) => (descending ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
  };
  return { bids: side(book.bids, diff.b, true), asks: side(book.asks, diff.a, false) };
}

/** The levels that differ between two snapshots: what a diff of only its two ends would hold. */
function endsOnly(from: Book, to: Book): { b: Levels; a: Levels } {
  const side = (a: Levels, b: Levels): Levels => {
    const before = new Map(a);
    const after = new Map(b);
    const out: Levels = [];
    for (const [price, qty] of after) if (before.get(price) !== qty) out.push([price, qty]);
    for (const price of before.keys()) if (!after.has(price)) out.push([price, '0.00000000']);
    return out;
  };
  return { b: side(from.bids, to.bids), a: side(from.asks, to.asks) };
}

describe('simulated depth@100ms diffs spanning several steps', () => {
  it('join a snapshot taken at any step inside their range (as Binance documents the local book)', () => {
    const def = universe.find('spot', 'BTCUSDT')!;
    const first = model.step(Date.UTC(2026, 10, 2, 12));
    let endsOnlyWouldDiverge = 0;
    for (let span = 0; span < 12; span++) {
      const p = first + span * 97;
      const touched: TouchedLevels = { bids: new Set(), asks: new Set() };
      const to = model.walk(def, model.book(def, p), p + SPAN, touched)!;
      const diff = model.diffOf(def, to, touched);
      expect(to.updateId).toBe(model.updateId(def, p + SPAN));
      const end = snapshotAt('BTCUSDT', p + SPAN);
      const naive = endsOnly(snapshotAt('BTCUSDT', p), end);
      for (let q = p; q < p + SPAN; q++) {
        const inner = snapshotAt('BTCUSDT', q);
        expect(apply(inner, diff), `snapshot at step ${q} of ${p}..${p + SPAN}`).toEqual(end);
        if (JSON.stringify(apply(inner, naive)) !== JSON.stringify(end)) endsOnlyWouldDiverge++;
      }
    }
    // The case exists: a diff of only the two ends would leave stray levels in some of these books.
    expect(endsOnlyWouldDiverge).toBeGreaterThan(0);
  });

  it('cover a long pause (every tick the book can have reached) so an inner snapshot still joins', () => {
    const def = universe.find('spot', 'BTCUSDT')!;
    const p = model.step(Date.UTC(2026, 10, 2, 14));
    const long = 300; // 30 s: past the steps walked one by one
    const touched: TouchedLevels = { bids: new Set(), asks: new Set() };
    const to = model.walk(def, model.book(def, p), p + long, touched)!;
    const diff = model.diffOf(def, to, touched);
    const end = snapshotAt('BTCUSDT', p + long);
    for (const q of [p, p + 1, p + 77, p + 150, p + long - 1]) {
      expect(apply(snapshotAt('BTCUSDT', q), diff), `snapshot at step ${q}`).toEqual(end);
    }
  });

  it('name nothing when a quiet book did not change, and the same levels as the ends on one step', () => {
    const def = universe.find('spot', 'BTCUSDT')!;
    const p = model.step(Date.UTC(2026, 10, 2, 13));
    const touched: TouchedLevels = { bids: new Set(), asks: new Set() };
    const to = model.walk(def, model.book(def, p), p + 1, touched)!;
    const diff = model.diffOf(def, to, touched);
    const naive = endsOnly(snapshotAt('BTCUSDT', p), snapshotAt('BTCUSDT', p + 1));
    const key = (levels: Levels) => levels.map((l) => l.join(' ')).sort();
    expect(key(diff.b)).toEqual(key(naive.b));
    expect(key(diff.a)).toEqual(key(naive.a));
    const none: TouchedLevels = { bids: new Set(), asks: new Set() };
    const same = model.walk(def, to, to.step, none)!;
    expect(same).toBe(to);
    expect(model.diffOf(def, same, none)).toEqual({ b: [], a: [] });
  });
});
