import { describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import {
  type DepthDiff,
  type DepthSnapshot,
  LocalOrderBook,
  type ResyncEvent,
} from '../../src/market/order-book/index.ts';

const snapshot: DepthSnapshot = {
  lastUpdateId: 100,
  bids: [
    ['0.99', '1'],
    ['1.00', '2'],
    ['0.98', '3'],
  ],
  asks: [
    ['1.02', '5'],
    ['1.01', '4'],
  ],
};

function diff(U: number, u: number, bids: DepthDiff['bids'], asks: DepthDiff['asks'] = []): DepthDiff {
  return { U, u, bids, asks };
}

async function syncedBook(resyncs: ResyncEvent[] = []) {
  const book = new LocalOrderBook({
    market: 'spot',
    fetchSnapshot: async () => snapshot,
    onResync: (e) => resyncs.push(e),
    retryDelayMs: 0,
  });
  expect(book.apply(diff(95, 101, []))).toBe('buffered');
  await book.settled();
  expect(book.synced).toBe(true);
  return book;
}

describe('local order book levels', () => {
  it('sorts a snapshot given out of order: bids highest first, asks lowest first', async () => {
    const book = await syncedBook();
    expect(book.top(10)).toEqual({
      bids: [
        ['1.00', '2'],
        ['0.99', '1'],
        ['0.98', '3'],
      ],
      asks: [
        ['1.01', '4'],
        ['1.02', '5'],
      ],
    });
    expect(book.bestBid()).toEqual(['1.00', '2']);
    expect(book.bestAsk()).toEqual(['1.01', '4']);
  });

  it('removes a level on quantity zero, ignores a zero for an absent level, compares prices exactly', async () => {
    const book = await syncedBook();
    book.apply(
      diff(102, 103, [
        ['1.0000', '0.00000000'],
        ['0.97', '0'],
        ['0.990', '7'],
        ['0.995', '8'],
      ]),
    );
    expect(book.top(10).bids).toEqual([
      ['0.995', '8'],
      ['0.99', '7'],
      ['0.98', '3'],
    ]);
    expect(book.lastUpdateId).toBe(103);
  });

  it('ignores a replayed older diff instead of letting it overwrite newer levels', async () => {
    const resyncs: ResyncEvent[] = [];
    const book = await syncedBook(resyncs);
    book.apply(diff(102, 103, [['0.99', '9']]));
    expect(book.apply(diff(102, 103, [['0.99', '1']]))).toBe('ignored');
    expect(book.top(3).bids[1]).toEqual(['0.99', '9']);
    expect(resyncs).toEqual([]);
  });

  it('rejects a malformed diff with a clear error and changes nothing', async () => {
    const book = await syncedBook();
    const before = book.top(10);
    for (const bad of [
      diff(102, 103, [
        ['1.5', '2'],
        ['1e3', '1'],
      ]),
      diff(102, 103, [['1.5', '-2']]),
      diff(102, 103, [['1.5', 2 as unknown as string]]),
      diff(104, 103, []),
      { ...diff(102, 103, []), U: Number.NaN },
      { U: 102, u: 103, bids: 'x' } as unknown as DepthDiff,
    ]) {
      let caught: unknown;
      try {
        book.apply(bad);
      } catch (err) {
        caught = err;
      }
      expect(isTradecacheError(caught, 'VALIDATION_FAILED')).toBe(true);
    }
    expect(book.top(10)).toEqual(before);
    expect(book.lastUpdateId).toBe(101);
    expect(book.apply(diff(102, 103, []))).toBe('applied');
  });

  it('rejects a futures diff without pu', () => {
    const book = new LocalOrderBook({ market: 'futures', fetchSnapshot: async () => snapshot });
    expect(() => book.apply(diff(1, 2, []))).toThrow(/pu/);
    expect(book.phase).toBe('idle');
  });
});

describe('local order book snapshot failures', () => {
  it('retries a failed or malformed snapshot, then joins', async () => {
    const answers: (() => Promise<DepthSnapshot>)[] = [
      async () => {
        throw new Error('503 from the exchange');
      },
      async () => ({ lastUpdateId: 100, bids: [['1', 'NaN']], asks: [] }),
      async () => snapshot,
    ];
    const resyncs: ResyncEvent[] = [];
    const book = new LocalOrderBook({
      market: 'spot',
      fetchSnapshot: () => answers.shift()!(),
      onResync: (e) => resyncs.push(e),
      retryDelayMs: 0,
    });
    book.apply(diff(95, 101, []));
    await book.settled();
    expect(resyncs.map((e) => e.reason)).toEqual(['snapshot-failed', 'snapshot-failed']);
    expect(resyncs[0]!.detail).toContain('503');
    expect(book.synced).toBe(true);
  });

  it('gives up after maxSnapshotAttempts and starts over on the next diff', async () => {
    let calls = 0;
    const resyncs: ResyncEvent[] = [];
    const book = new LocalOrderBook({
      market: 'spot',
      fetchSnapshot: async () => {
        calls++;
        if (calls <= 2) throw new Error('down');
        return snapshot;
      },
      onResync: (e) => resyncs.push(e),
      maxSnapshotAttempts: 2,
      retryDelayMs: 0,
    });
    book.apply(diff(95, 101, []));
    await book.settled();
    expect(book.phase).toBe('idle');
    expect(resyncs[1]).toEqual(expect.objectContaining({ reason: 'snapshot-failed', gaveUp: true }));
    expect(book.apply(diff(101, 102, [['1.005', '1']]))).toBe('buffered');
    await book.settled();
    expect(book.synced).toBe(true);
    expect(book.bestBid()).toEqual(['1.005', '1']);
  });

  it('ignores a snapshot that arrives after close', async () => {
    let release: (s: DepthSnapshot) => void = () => {};
    const book = new LocalOrderBook({
      market: 'spot',
      fetchSnapshot: () => new Promise((resolve) => (release = resolve)),
    });
    book.apply(diff(95, 101, []));
    book.close();
    release(snapshot);
    await book.settled();
    expect(book.phase).toBe('closed');
    expect(book.top(5)).toEqual({ bids: [], asks: [] });
  });
});
