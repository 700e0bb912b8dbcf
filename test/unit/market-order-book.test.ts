import { describe, expect, it } from 'vitest';
import {
  type BookLevel,
  type BookMarket,
  type DepthDiff,
  type DepthSnapshot,
  LocalOrderBook,
  type ResyncEvent,
} from '../../src/market/order-book/index.ts';
import {
  FUTURES_SESSION,
  type RecordedBookTicker,
  type RecordedDepthDiff,
  type RecordedSnapshot,
  readJson,
  readStream,
  SPOT_SESSION,
} from './market-fixtures.ts';

/** The naive reference: a Map per side keyed by the price as a 16-decimal BigInt, sorted at the end. */
class NaiveBook {
  readonly bids = new Map<bigint, BookLevel>();
  readonly asks = new Map<bigint, BookLevel>();
  constructor(snapshot: DepthSnapshot) {
    this.set(this.bids, snapshot.bids);
    this.set(this.asks, snapshot.asks);
  }
  apply(diff: DepthDiff): void {
    this.set(this.bids, diff.bids);
    this.set(this.asks, diff.asks);
  }
  private set(side: Map<bigint, BookLevel>, levels: readonly BookLevel[]): void {
    for (const [price, qty] of levels) {
      if (BigInt(qty.replace('.', '')) === 0n) side.delete(key(price));
      else side.set(key(price), [price, qty]);
    }
  }
  sorted(): { bids: BookLevel[]; asks: BookLevel[] } {
    const order = (side: Map<bigint, BookLevel>, desc: boolean) =>
      [...side.entries()].sort(([a], [b]) => (a === b ? 0 : a < b === desc ? 1 : -1)).map(([, l]) => l);
    return { bids: order(this.bids, true), asks: order(this.asks, false) };
  }
}

function key(price: string): bigint {
  const [int, frac = ''] = price.split('.');
  return BigInt(int! + frac.padEnd(16, '0'));
}

function toDiff(d: RecordedDepthDiff): DepthDiff {
  return { U: d.U, u: d.u, ...(d.pu === undefined ? {} : { pu: d.pu }), bids: d.b, asks: d.a };
}

function session(market: BookMarket, symbol: string) {
  const diffs = readStream<RecordedDepthDiff>(
    market === 'spot'
      ? `ws-spot.depth@100ms.${SPOT_SESSION}.jsonl`
      : `ws-futures.depth@100ms.${FUTURES_SESSION}.jsonl`,
  )
    .filter((d) => d.s === symbol)
    .map(toDiff);
  const snapshot = readJson<RecordedSnapshot>(
    market === 'spot'
      ? `spot-depth.${symbol}.limit5000.2021-08-14.json`
      : `futures-depth.${symbol}.limit1000.2021-07-22.json`,
  );
  const tickers = readStream<RecordedBookTicker>(
    market === 'spot'
      ? `ws-spot.bookTicker.${SPOT_SESSION}.jsonl`
      : `ws-futures.bookTicker.${FUTURES_SESSION}.jsonl`,
  ).filter((t) => t.s === symbol);
  return { diffs, snapshot, tickers };
}

/** A fetchSnapshot whose answers the test releases one at a time. */
function snapshotQueue() {
  const waiting: ((s: DepthSnapshot) => void)[] = [];
  const callers: (() => void)[] = [];
  let calls = 0;
  return {
    fetch: () => {
      calls++;
      for (const called of callers.splice(0)) called();
      return new Promise<DepthSnapshot>((resolve) => waiting.push(resolve));
    },
    release: (s: DepthSnapshot) => waiting.shift()?.(s),
    /** Resolves at the next fetchSnapshot call. */
    nextCall: () => new Promise<void>((resolve) => callers.push(resolve)),
    get calls() {
      return calls;
    },
  };
}

/** Feeds every diff (the snapshot arriving after `snapshotAfter` of them) and checks against the bookTicker stream. */
async function replay(market: BookMarket, symbol: string, snapshotAfter: number) {
  const { diffs, snapshot, tickers } = session(market, symbol);
  const queue = snapshotQueue();
  const resyncs: ResyncEvent[] = [];
  const book = new LocalOrderBook({ market, fetchSnapshot: queue.fetch, onResync: (e) => resyncs.push(e) });
  const byUpdateId = new Map(tickers.map((t) => [t.u, t]));
  const naive = new NaiveBook(snapshot);
  let tickersMatched = 0;
  for (const [i, diff] of diffs.entries()) {
    if (i === snapshotAfter) {
      queue.release(snapshot);
      await book.settled();
    }
    book.apply(diff);
    if (diff.u > snapshot.lastUpdateId) naive.apply(diff);
    const ticker = byUpdateId.get(diff.u);
    if (book.synced && ticker) {
      expect(book.bestBid()).toEqual([ticker.b, ticker.B]);
      expect(book.bestAsk()).toEqual([ticker.a, ticker.A]);
      tickersMatched++;
    }
  }
  if (snapshotAfter >= diffs.length) {
    queue.release(snapshot);
    await book.settled();
  }
  return { book, naive, resyncs, tickersMatched, diffs, snapshot, calls: queue.calls };
}

describe('local order book on the recorded spot session (FTMUSDT, 5000-level snapshot)', () => {
  it.each([3, 100, 10_000])(
    'equals the snapshot + diffs applied by hand (snapshot after %i diffs)',
    async (after) => {
      const { book, naive, resyncs, calls, diffs } = await replay('spot', 'FTMUSDT', after);
      expect(resyncs).toEqual([]);
      expect(calls).toBe(1);
      expect(book.synced).toBe(true);
      expect(book.lastUpdateId).toBe(diffs[diffs.length - 1]!.u);
      const expected = naive.sorted();
      expect(book.depth()).toEqual({ bids: expected.bids.length, asks: expected.asks.length });
      expect(book.top(10_000)).toEqual(expected);
      expect(book.top(5)).toEqual({ bids: expected.bids.slice(0, 5), asks: expected.asks.slice(0, 5) });
    },
  );

  it('has the best bid and ask of the bookTicker stream at every shared update id', async () => {
    const { tickersMatched } = await replay('spot', 'FTMUSDT', 3);
    // 34 bookTicker messages share a diff's final update id; those before the join are skipped.
    expect(tickersMatched).toBeGreaterThan(25);
  });

  it('resyncs on a sequence gap and asks for a new snapshot', async () => {
    const { diffs, snapshot } = session('spot', 'FTMUSDT');
    const queue = snapshotQueue();
    const resyncs: ResyncEvent[] = [];
    const book = new LocalOrderBook({
      market: 'spot',
      fetchSnapshot: queue.fetch,
      onResync: (e) => resyncs.push(e),
    });
    book.apply(diffs[0]!);
    queue.release(snapshot);
    await book.settled();
    for (const diff of diffs.slice(1, 20)) book.apply(diff);
    expect(book.synced).toBe(true);
    expect(book.apply(diffs[21]!)).toBe('resync'); // diffs[20] lost
    expect(resyncs).toEqual([expect.objectContaining({ reason: 'gap', lastUpdateId: diffs[19]!.u })]);
    expect(book.phase).toBe('fetching');
    expect(book.top(5)).toEqual({ bids: [], asks: [] });
    expect(queue.calls).toBe(2);
  });

  it('discards a snapshot older than the buffered diffs, refetches and joins the newer one', async () => {
    const { diffs, snapshot } = session('spot', 'FTMUSDT');
    // The stream is joined late: the first held diff starts 3 diffs after the one bridging the snapshot.
    const late = diffs.slice(10);
    const reference = new NaiveBook(snapshot);
    for (const diff of diffs.slice(7, 40)) reference.apply(diff);
    const newer: DepthSnapshot = { lastUpdateId: diffs[39]!.u, ...reference.sorted() };
    const queue = snapshotQueue();
    const resyncs: ResyncEvent[] = [];
    const book = new LocalOrderBook({
      market: 'spot',
      fetchSnapshot: queue.fetch,
      onResync: (e) => resyncs.push(e),
      retryDelayMs: 0,
    });
    for (const diff of late.slice(0, 40)) book.apply(diff);
    const refetched = queue.nextCall();
    queue.release(snapshot);
    await refetched;
    expect(resyncs).toEqual([expect.objectContaining({ reason: 'stale-snapshot' })]);
    expect(queue.calls).toBe(2);
    expect(book.synced).toBe(false);
    queue.release(newer);
    await book.settled();
    for (const diff of late.slice(40)) book.apply(diff);
    for (const diff of diffs.slice(40)) reference.apply(diff);
    expect(book.synced).toBe(true);
    expect(book.top(10_000)).toEqual(reference.sorted());
  });
});

describe('local order book on the recorded futures session (pu chain, 1000-level snapshots)', () => {
  it.each(['SUSHIUSDT', 'AKROUSDT', 'KEEPUSDT', 'CTKUSDT'])(
    '%s: snapshot + diffs equals the hand-applied book and the bookTicker stream',
    async (symbol) => {
      const { book, naive, resyncs, tickersMatched, diffs } = await replay('futures', symbol, 2);
      expect(resyncs).toEqual([]);
      expect(book.synced).toBe(true);
      expect(book.lastUpdateId).toBe(diffs[diffs.length - 1]!.u);
      expect(book.top(10_000)).toEqual(naive.sorted());
      expect(tickersMatched).toBeGreaterThan(3);
    },
  );

  it('resyncs when pu does not equal the previous u', async () => {
    const { diffs, snapshot } = session('futures', 'SUSHIUSDT');
    const queue = snapshotQueue();
    const resyncs: ResyncEvent[] = [];
    const book = new LocalOrderBook({
      market: 'futures',
      fetchSnapshot: queue.fetch,
      onResync: (e) => resyncs.push(e),
    });
    for (const diff of diffs.slice(0, 10)) book.apply(diff);
    queue.release(snapshot);
    await book.settled();
    expect(book.synced).toBe(true);
    const broken = { ...diffs[10]!, pu: diffs[10]!.pu! - 1 };
    expect(book.apply(broken)).toBe('resync');
    expect(resyncs.map((e) => e.reason)).toEqual(['gap']);
  });
});
