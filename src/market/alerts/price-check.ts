/**
 * One batch of alert checks: the `alert-check` script once per symbol and price (pipelined per
 * master), again for a symbol whose candidate window was full, until every price is done.
 */
import type { RedisClient } from '../../redis/client.ts';
import type { AlertKeys } from '../../redis/keys/index.ts';
import { queueScript } from '../../redis/scripts.ts';
import { SlotPipelines } from '../../redis/slot-pipelines.ts';
import type { MarketType } from '../../trading/index.ts';
import type { OutboxEntry } from './notifications.ts';
import type { CheckedPrice } from './types.ts';

/** Candidates one check call reads per side; a bigger jump takes several calls. */
const CHECK_BATCH = 5_000;

export interface CheckOutcome {
  /** What fired, in the outboxes now, to deliver. */
  readonly fired: OutboxEntry[];
  /** Symbols whose target sets the check left empty (they may leave the checked-symbol index). */
  readonly emptied: Set<string>;
}

export async function runAlertChecks(
  redis: RedisClient,
  keys: AlertKeys,
  market: MarketType,
  prices: readonly CheckedPrice[],
): Promise<CheckOutcome> {
  const fired: OutboxEntry[] = [];
  const emptied = new Set<string>();
  let pending = prices;
  // Each round fires or expires up to CHECK_BATCH alerts per side; the bound only stops a
  // window of equal-double, not-yet-reached targets from looping forever.
  for (let round = 0; pending.length > 0 && round < 1_000; round++) {
    const pipelines = new SlotPipelines(redis);
    for (const p of pending) {
      const k = alertSymbolKeys(keys, market, p.symbol);
      queueScript(pipelines.on(k[0] as string), 'alert-check', k, [p.price, p.time, CHECK_BATCH]);
    }
    const results = await pipelines.exec();
    const again: CheckedPrice[] = [];
    results.forEach(([err, reply], i) => {
      if (err) throw err;
      const p = pending[i] as CheckedPrice;
      const row = reply as (number | string)[];
      for (let j = 2; j + 1 < row.length; j += 2) {
        fired.push({ market, symbol: p.symbol, streamId: String(row[j]), json: String(row[j + 1]) });
      }
      // A full candidate window: more may be waiting past it.
      if (row[0] === 1) again.push(p);
      if (row[1] === 0) emptied.add(p.symbol);
      else emptied.delete(p.symbol);
    });
    pending = again;
  }
  return { fired, emptied };
}

/** The six keys of the create and check scripts, in their order (the `alerts` benchmark seeds through them too). */
export function alertSymbolKeys(keys: AlertKeys, market: MarketType, symbol: string): string[] {
  return [
    keys.targets(market, symbol, 'above'),
    keys.targets(market, symbol, 'below'),
    keys.records(market, symbol),
    keys.lastChecked(market, symbol),
    keys.expiring(market, symbol),
    keys.outbox(market, symbol),
  ];
}
