/**
 * Minimal inputs of the local order book. The stream client maps Binance `depthUpdate` events
 * (`U`, `u`, `pu`, `b`, `a`) and the REST depth snapshot onto these.
 */

/** `[price, quantity]` as the exchange's decimal strings. */
export type BookLevel = readonly [price: string, quantity: string];

/** Which synchronisation rules apply: spot chains `U = previous u + 1`, futures chain `pu = previous u`. */
export type BookMarket = 'spot' | 'futures';

/** One diff event of the depth stream. */
export interface DepthDiff {
  /** First update id in the event. */
  readonly U: number;
  /** Final update id in the event. */
  readonly u: number;
  /** Futures only: the final update id of the previous event. */
  readonly pu?: number;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

/** The REST depth snapshot (`GET /api/v3/depth`, `GET /fapi/v1/depth`). */
export interface DepthSnapshot {
  readonly lastUpdateId: number;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

/** Why the book dropped its state (or a snapshot) and asked for a new snapshot. */
export type ResyncReason =
  /** A diff does not continue the previous one (`U ≠ u + 1` spot, `pu ≠ u` futures), or does not join the snapshot. */
  | 'gap'
  /** The snapshot is older than the first buffered diff (`lastUpdateId < U - 1` spot, `< U` futures): refetched. */
  | 'stale-snapshot'
  /** fetchSnapshot threw or returned a malformed body. */
  | 'snapshot-failed';

/** What the book reports through `onResync`. */
export interface ResyncEvent {
  readonly reason: ResyncReason;
  /** The book's last update id when it happened (0 before the first snapshot). */
  readonly lastUpdateId: number;
  /** Ids of the diff or snapshot that caused it, and the error message for `snapshot-failed`. */
  readonly detail: string;
  /** True when the book gave up after `maxSnapshotAttempts`; the next diff starts over. */
  readonly gaveUp?: boolean;
}

/** What {@link LocalOrderBook.apply} did with one diff. */
export type ApplyResult = 'applied' | 'buffered' | 'ignored' | 'resync';
