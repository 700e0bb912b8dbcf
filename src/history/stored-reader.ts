import type { Kline } from '../trading/index.ts';
import { storeFailed } from './atomic-file.ts';
import { chooseCovering } from './coverage.ts';
import type { TimeRange } from './dates.ts';
import type { HistoryStore } from './history-store.ts';
import { csvLineSlices, parseKlinesCsv, yieldToEventLoop } from './kline-csv.ts';
import { aborted } from './kline-pager.ts';
import type { HistoryEntryMeta, HistoryRequest } from './store-types.ts';

/** What {@link readStoredKlines} needs of the backtest service. */
export interface StoredRangeSource {
  readonly store: HistoryStore;
  closedPart(req: HistoryRequest): TimeRange;
  ensureStored(req: HistoryRequest, signal?: AbortSignal): Promise<void>;
}

/** A stored entry as the span of final candles it covers. */
export function coverageOf(meta: HistoryEntryMeta): { meta: HistoryEntryMeta; start: number; end: number } {
  return { meta, start: meta.start, end: meta.coveredEnd };
}

/** Pieces that vanish this many times in a row while a range is read: the store is failing. */
const MAX_REFILLS = 3;

/**
 * The stored candles of `req`, oldest first, in slices of about `sliceRows`: each stored piece
 * is read as bytes (outside the JS heap) and parsed a slice at a time, with a turn of the event
 * loop after each slice, so a large answer costs one slice of memory and never holds the
 * process. A piece that vanished since the range was stored (compacted by another request,
 * found corrupt and moved aside) is fetched again.
 */
export async function* readStoredKlines(
  source: StoredRangeSource,
  req: HistoryRequest,
  sliceRows: number,
  signal?: AbortSignal,
): AsyncGenerator<Kline[]> {
  const wanted = source.closedPart(req);
  let cursor = wanted.start;
  let refills = 0;
  while (cursor < wanted.end) {
    if (signal?.aborted) throw aborted(signal.reason);
    const entries = await source.store.listEntries(req);
    const piece = chooseCovering({ start: cursor, end: wanted.end }, entries.map(coverageOf))[0];
    const bytes = piece && piece.start <= cursor ? await source.store.readEntryBytes(piece.meta) : null;
    if (!piece || !bytes) {
      if (++refills > MAX_REFILLS) {
        throw storeFailed(source.store.dir, 'keep a range stored while it was read', undefined);
      }
      await source.ensureStored({ ...req, start: cursor }, signal);
      continue;
    }
    refills = 0;
    const until = Math.min(piece.end, wanted.end);
    for (const text of csvLineSlices(bytes, sliceRows)) {
      const rows = parseKlinesCsv(text).filter((k) => k.openTime >= cursor && k.openTime < until);
      if (rows.length > 0) yield rows;
      await yieldToEventLoop();
    }
    cursor = until;
  }
}
