/** What a batch writes, for the counts a flush returns (the feed exports them as metrics). */
export const WRITE_KINDS = [
  'price',
  /** Points of the price time series (the feed's ticks, written apart from its current price). */
  'series',
  'trade',
  'candle',
  'bookTicker',
  'orderBook',
  'stats24h',
  'premiumIndex',
  'symbolInfo',
] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

/** The single-value records, written by the `market-batch` script (a monotonic GET-compare-SET each). */
export type RecordKind = Exclude<WriteKind, 'price' | 'series' | 'trade' | 'candle'>;

export interface WriteCounts {
  written: number;
  /** Older than (or a replay of) what was stored or queued before it: changed nothing. */
  ignored: number;
}

/** What one flush did. */
export interface FlushResult {
  readonly written: number;
  readonly ignored: number;
  readonly byKind: Readonly<Record<WriteKind, WriteCounts>>;
  /** Pipelines sent: 1 per flush on one Redis; on a Cluster one per master touched, in parallel. */
  readonly roundTrips: number;
}

export function emptyCounts(): Record<WriteKind, WriteCounts> {
  const counts = {} as Record<WriteKind, WriteCounts>;
  for (const kind of WRITE_KINDS) counts[kind] = { written: 0, ignored: 0 };
  return counts;
}
