/**
 * Binance's "How to manage a local order book correctly", as pure predicates on update ids.
 * Spot: drop diffs with `u <= lastUpdateId`; the first applied has `U <= lastUpdateId + 1 <= u`;
 * each next has `U = previous u + 1`. USDⓈ-M futures: drop diffs with `u < lastUpdateId`; the first
 * applied has `U <= lastUpdateId <= u`; each next has `pu = previous u`.
 */
import type { BookMarket, DepthDiff } from './types.ts';

/** The diff is entirely older than the book and is dropped. */
export function isBehind(market: BookMarket, diff: DepthDiff, lastUpdateId: number): boolean {
  return market === 'spot' ? diff.u <= lastUpdateId : diff.u < lastUpdateId;
}

/** The diff is the one that joins a snapshot with `lastUpdateId`. */
export function bridges(market: BookMarket, diff: DepthDiff, lastUpdateId: number): boolean {
  return market === 'spot'
    ? diff.U <= lastUpdateId + 1 && lastUpdateId + 1 <= diff.u
    : diff.U <= lastUpdateId && lastUpdateId <= diff.u;
}

/** `next` directly continues a book (or diff) whose last update id is `lastUpdateId`. */
export function follows(market: BookMarket, lastUpdateId: number, next: DepthDiff): boolean {
  return market === 'spot' ? next.U === lastUpdateId + 1 : next.pu === lastUpdateId;
}

/**
 * The snapshot is older than the first buffered diff, so no diff we hold can join it: it is
 * discarded and fetched again (spot `lastUpdateId < U - 1`, futures `lastUpdateId < U`).
 */
export function isStaleSnapshot(market: BookMarket, lastUpdateId: number, firstBuffered: DepthDiff): boolean {
  return market === 'spot' ? lastUpdateId < firstBuffered.U - 1 : lastUpdateId < firstBuffered.U;
}
