/**
 * A local copy of the exchange's order book for one symbol, kept in step with the depth diff
 * stream as Binance prescribes: buffer diffs, fetch a snapshot, drop diffs it already holds,
 * join on the bridging diff, then apply each diff only if it continues the previous one; any
 * break drops the book and starts over from a new snapshot.
 */
import { errorMessage } from '../../errors.ts';
import { BookSide } from './book-side.ts';
import { bridges, follows, isBehind, isStaleSnapshot } from './sync-rules.ts';
import type {
  ApplyResult,
  BookLevel,
  BookMarket,
  DepthDiff,
  DepthSnapshot,
  ResyncEvent,
  ResyncReason,
} from './types.ts';
import { type ParsedDiff, type ParsedSnapshot, parseDiff, parseSnapshot } from './validate.ts';

/** Options of {@link LocalOrderBook}. */
export interface LocalOrderBookOptions {
  readonly market: BookMarket;
  /** Fetches the REST depth snapshot; called after the first diff is buffered and on each resync. */
  readonly fetchSnapshot: () => Promise<DepthSnapshot>;
  /** Told each time the book (or a snapshot) is dropped, with the reason. */
  readonly onResync?: (event: ResyncEvent) => void;
  /** Diffs held while a snapshot is on its way; the oldest go first. @default 1000 */
  readonly maxBufferedDiffs?: number;
  /** Snapshot fetches (failed or stale) in a row before giving up until the next diff. @default 5 */
  readonly maxSnapshotAttempts?: number;
  /** Pause before fetching again after a failed or stale snapshot. @default 500 */
  readonly retryDelayMs?: number;
}

/** Where the book is: no state, waiting for a snapshot, snapshot loaded but not joined, in step. */
export type BookPhase = 'idle' | 'fetching' | 'bridging' | 'synced' | 'closed';

/** The local order book of one symbol (see the module comment for the rules). */
export class LocalOrderBook {
  private readonly bids = new BookSide(true);
  private readonly asks = new BookSide(false);
  private buffer: ParsedDiff[] = [];
  private current: BookPhase = 'idle';
  private updateId = 0;
  /** Bumped on each new sync and on close, so a late snapshot of an abandoned sync is ignored. */
  private run = 0;
  private pending: Promise<void> = Promise.resolve();
  private readonly maxBuffered: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: LocalOrderBookOptions) {
    this.maxBuffered = options.maxBufferedDiffs ?? 1000;
    this.maxAttempts = options.maxSnapshotAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  get phase(): BookPhase {
    return this.current;
  }

  /** Whether top/best reflect the exchange's book (a snapshot joined to the stream). */
  get synced(): boolean {
    return this.current === 'synced';
  }

  /** Final update id of the last applied diff (or of the snapshot before the first). */
  get lastUpdateId(): number {
    return this.updateId;
  }

  /**
   * Feeds one diff. Throws a validation error on a malformed diff, leaving the book unchanged.
   * `ignored`: older than the book; `buffered`: held until a snapshot joins; `resync`: the book
   * was dropped and a new snapshot requested.
   */
  apply(diff: DepthDiff): ApplyResult {
    const parsed = parseDiff(this.options.market, diff);
    return this.handle(parsed);
  }

  /** Resolves when the snapshot work under way (if any) is done: for tests and orderly shutdown. */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.pending;
      await seen;
    } while (seen !== this.pending);
  }

  /** The best `n` bids (highest first) and asks (lowest first). */
  top(n: number): { bids: BookLevel[]; asks: BookLevel[] } {
    return { bids: this.bids.top(n), asks: this.asks.top(n) };
  }

  bestBid(): BookLevel | undefined {
    return this.bids.best();
  }

  bestAsk(): BookLevel | undefined {
    return this.asks.best();
  }

  /** Price levels held per side. */
  depth(): { bids: number; asks: number } {
    return { bids: this.bids.size, asks: this.asks.size };
  }

  /** Stops: drops the book and ignores any snapshot still on its way. */
  close(): void {
    this.run++;
    this.current = 'closed';
    this.buffer = [];
    this.clearBook();
  }

  private handle(parsed: ParsedDiff): ApplyResult {
    switch (this.current) {
      case 'closed':
        return 'ignored';
      case 'idle':
        this.buffer = [parsed];
        this.startSync();
        return 'buffered';
      case 'fetching':
        return this.hold(parsed);
      case 'bridging':
        return this.join(parsed);
      case 'synced':
        return this.continueWith(parsed);
    }
  }

  /** Buffers a diff while the snapshot is fetched; a break in the buffered chain restarts the buffer. */
  private hold(parsed: ParsedDiff): ApplyResult {
    const last = this.buffer[this.buffer.length - 1];
    if (last && parsed.diff.u <= last.diff.u) return 'ignored';
    if (last && !follows(this.options.market, last.diff.u, parsed.diff)) {
      this.report('gap', `buffered u=${last.diff.u}, next U=${parsed.diff.U} pu=${parsed.diff.pu}`);
      this.buffer = [];
    }
    this.buffer.push(parsed);
    if (this.buffer.length > this.maxBuffered) this.buffer.shift();
    return 'buffered';
  }

  /** The first diff after a snapshot: dropped if older, applied if it bridges, else a resync. */
  private join(parsed: ParsedDiff): ApplyResult {
    const { market } = this.options;
    if (isBehind(market, parsed.diff, this.updateId)) return 'ignored';
    if (!bridges(market, parsed.diff, this.updateId)) {
      return this.resync('gap', parsed, `snapshot ${this.updateId} does not join U=${parsed.diff.U}`);
    }
    this.applyLevels(parsed);
    this.current = 'synced';
    return 'applied';
  }

  private continueWith(parsed: ParsedDiff): ApplyResult {
    // A replayed or late diff never overwrites newer levels.
    if (parsed.diff.u <= this.updateId) return 'ignored';
    if (!follows(this.options.market, this.updateId, parsed.diff)) {
      return this.resync('gap', parsed, `u=${this.updateId}, next U=${parsed.diff.U} pu=${parsed.diff.pu}`);
    }
    this.applyLevels(parsed);
    return 'applied';
  }

  private applyLevels(parsed: ParsedDiff): void {
    for (const level of parsed.bids) this.bids.update(level);
    for (const level of parsed.asks) this.asks.update(level);
    this.updateId = parsed.diff.u;
  }

  private resync(reason: ResyncReason, parsed: ParsedDiff, detail: string): ApplyResult {
    this.report(reason, detail);
    this.clearBook();
    // The diff that broke the chain is newer than the book: it starts the new buffer.
    this.buffer = [parsed];
    this.startSync();
    return 'resync';
  }

  private clearBook(): void {
    this.bids.clear();
    this.asks.clear();
    this.updateId = 0;
  }

  private report(reason: ResyncReason, detail: string, gaveUp = false): void {
    const event: ResyncEvent = { reason, lastUpdateId: this.updateId, detail, ...(gaveUp ? { gaveUp } : {}) };
    this.options.onResync?.(event);
  }

  private startSync(): void {
    this.current = 'fetching';
    const run = ++this.run;
    this.pending = this.fetchUntilJoined(run);
  }

  private async fetchUntilJoined(run: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let snapshot: ParsedSnapshot | undefined;
      let problem: [ResyncReason, string] | undefined;
      try {
        snapshot = parseSnapshot(await this.options.fetchSnapshot());
      } catch (err) {
        problem = ['snapshot-failed', errorMessage(err)];
      }
      if (run !== this.run) return;
      const first = this.buffer[0];
      if (snapshot && first && isStaleSnapshot(this.options.market, snapshot.lastUpdateId, first.diff)) {
        problem = ['stale-snapshot', `snapshot ${snapshot.lastUpdateId} < first buffered U=${first.diff.U}`];
      }
      if (snapshot && !problem) return this.load(snapshot);
      const gaveUp = attempt >= this.maxAttempts;
      if (problem) this.report(problem[0], problem[1], gaveUp);
      if (gaveUp) {
        this.current = 'idle';
        this.buffer = [];
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      if (run !== this.run) return;
    }
  }

  /** Loads the snapshot, then replays the buffer through the join and continue rules. */
  private load(snapshot: ParsedSnapshot): void {
    this.bids.load(snapshot.bids);
    this.asks.load(snapshot.asks);
    this.updateId = snapshot.lastUpdateId;
    this.current = 'bridging';
    const held = this.buffer;
    this.buffer = [];
    for (const parsed of held) this.handle(parsed);
  }
}
