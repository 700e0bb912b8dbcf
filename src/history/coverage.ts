import type { Kline } from '../trading/index.ts';
import type { TimeRange } from './dates.ts';

/**
 * The parts of `wanted` that no range in `have` covers, oldest first. Used so a request only
 * fetches what is missing, before, after or between stored pieces.
 */
export function missingSpans(wanted: TimeRange, have: readonly TimeRange[]): TimeRange[] {
  const sorted = have
    .filter((r) => r.end > wanted.start && r.start < wanted.end)
    .sort((a, b) => a.start - b.start);
  const gaps: TimeRange[] = [];
  let cursor = wanted.start;
  for (const r of sorted) {
    if (r.start > cursor) gaps.push({ start: cursor, end: Math.min(r.start, wanted.end) });
    cursor = Math.max(cursor, r.end);
    if (cursor >= wanted.end) break;
  }
  if (cursor < wanted.end) gaps.push({ start: cursor, end: wanted.end });
  return gaps;
}

/**
 * Picks, greedily, stored ranges that together cover `wanted` where they can: the piece
 * reaching furthest at each step, so overlapping entries are not all read.
 */
export function chooseCovering<T extends TimeRange>(wanted: TimeRange, have: readonly T[]): T[] {
  const candidates = have.filter((r) => r.end > wanted.start && r.start < wanted.end);
  const chosen: T[] = [];
  let cursor = wanted.start;
  while (cursor < wanted.end) {
    let best: T | undefined;
    for (const r of candidates) {
      if (r.start <= cursor && r.end > cursor && (!best || r.end > best.end)) best = r;
    }
    if (best) {
      chosen.push(best);
      cursor = best.end;
      continue;
    }
    // Nothing covers the cursor: jump to the next stored piece (the gap is fetched elsewhere).
    const next = candidates.filter((r) => r.start > cursor).sort((a, b) => a.start - b.start)[0];
    if (!next) break;
    cursor = next.start;
  }
  return chosen;
}

/**
 * Merges candle lists by open time, one candle per open time (a later list wins), restricted to
 * `range`. Concatenate + stable sort: stored pieces arrive as sorted runs, which TimSort merges
 * in near-linear time, cheaper than a Map for half a million rows.
 */
export function mergeKlines(lists: readonly (readonly Kline[])[], range: TimeRange): Kline[] {
  const all: Kline[] = [];
  for (const list of lists) {
    for (const k of list) {
      if (k.openTime >= range.start && k.openTime < range.end) all.push(k);
    }
  }
  all.sort((a, b) => a.openTime - b.openTime);
  const out: Kline[] = [];
  for (const k of all) {
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (last && last.openTime === k.openTime) out[out.length - 1] = k;
    else out.push(k);
  }
  return out;
}
