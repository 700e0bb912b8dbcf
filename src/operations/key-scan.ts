import { type RedisClient, scanBatches } from '../redis/client.ts';

/** How far one SCAN walk may go before it stops and says it is partial. */
export interface ScanBounds {
  /** COUNT hint of one SCAN call (keys Redis looks at per call). @default 500 */
  count?: number;
  /** Stop after this many matching keys. @default 1_000_000 */
  maxKeys?: number;
  /** Stop after this long, whatever is left. @default 2 000 ms */
  deadlineMs?: number;
  signal?: AbortSignal;
}

/** What a bounded walk saw: `complete` is false when a bound stopped it before the cursor came back to 0. */
export interface ScanOutcome {
  scanned: number;
  complete: boolean;
}

const DEFAULTS = { count: 500, maxKeys: 1_000_000, deadlineMs: 2_000 } as const;

/**
 * Walks `pattern` with SCAN (never KEYS, which blocks Redis for the whole keyspace) on every
 * master of a Cluster, or the one server, handing each
 * non-empty batch to `onBatch` before asking for the next one, and stops at the first bound hit.
 * A huge Redis then costs a request at most `deadlineMs` plus one SCAN call, and the caller
 * reports a partial figure instead of stalling.
 */
export async function scanBounded(
  redis: RedisClient,
  pattern: string,
  onBatch: (keys: string[]) => void | Promise<void>,
  bounds: ScanBounds = {},
): Promise<ScanOutcome> {
  const count = bounds.count ?? DEFAULTS.count;
  const maxKeys = bounds.maxKeys ?? DEFAULTS.maxKeys;
  const stopAt = Date.now() + (bounds.deadlineMs ?? DEFAULTS.deadlineMs);
  let scanned = 0;
  const stopped = () => bounds.signal?.aborted || Date.now() >= stopAt || scanned >= maxKeys;
  if (stopped()) return { scanned, complete: false };
  const walk = scanBatches(redis, pattern, count);
  for await (const batch of walk) {
    if (batch.length > 0) {
      scanned += batch.length;
      await onBatch(batch);
    }
    if (stopped()) {
      // Complete only if that was the last SCAN call anywhere.
      const rest = await walk.next();
      return { scanned, complete: rest.done === true };
    }
  }
  return { scanned, complete: true };
}
