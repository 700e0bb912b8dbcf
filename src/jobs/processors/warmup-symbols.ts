import type { SymbolCatalog } from '../../market/symbols/index.ts';
import type { MarketType } from '../../trading/index.ts';
import type { JobDefinition } from '../types.ts';

/**
 * The Python platform's `warmup_spot_symbols_cache` / `warmup_futures_symbols_cache`: refresh the list
 * before users ask, so requests are hits. Counts success/error in Redis like the Python platform.
 */
export function warmupSymbolsJob(
  market: MarketType,
  symbols: SymbolCatalog,
  intervalSec: number,
): JobDefinition<Record<string, never>> {
  return {
    name: `warmup-symbols-${market}`,
    description: `Refresh the ${market} symbol list from the exchange`,
    every: intervalSec * 1000,
    runAtStart: true,
    // A refresh that takes longer than this is stuck: abort it, the next run will try again.
    timeoutMs: 60_000,
    attempts: 3,
    backoffMs: 2_000,
    keepCompleted: 50,
    keepFailed: 100,
    async run(_data, ctx) {
      const listing = await symbols.warmup(market, ctx.signal);
      return { market, count: listing.symbols.length, refreshedAt: listing.refreshedAt };
    },
  };
}
