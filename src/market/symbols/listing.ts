import type { MarketInfo, MarketType } from '../../trading/index.ts';

/** One row of the symbols API: what a trading UI needs to list and validate a symbol. */
export interface SymbolEntry {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly status: string;
  readonly type: MarketInfo['type'];
  readonly tickSize: string | null;
  readonly stepSize: string | null;
  readonly minNotional: string | null;
}

/** The value stored under `cache:symbols:<market>:v1` and its last-good twin. */
export interface SymbolListing {
  readonly market: MarketType;
  readonly symbols: readonly SymbolEntry[];
  /** Epoch ms of the exchange fetch this list came from. */
  readonly refreshedAt: number;
}

export interface ListingRules {
  readonly quoteAsset: string;
  readonly popularBaseAssets: readonly string[];
}

/**
 * The Python platform's warmup selection: TRADING symbols quoted in the configured asset (futures:
 * perpetuals only), the popular base assets first in the configured order, then the rest by
 * symbol, so `BTCUSDT` leads the list.
 */
export function buildListing(
  market: MarketType,
  markets: readonly MarketInfo[],
  rules: ListingRules,
  now: number,
) {
  const wantedType = market === 'spot' ? 'spot' : 'perpetual';
  const rank = new Map(rules.popularBaseAssets.map((asset, i) => [asset, i]));
  const symbols = markets
    .filter((m) => m.status === 'TRADING' && m.quoteAsset === rules.quoteAsset && m.type === wantedType)
    .map(toEntry)
    .sort((a, b) => {
      const ra = rank.get(a.baseAsset) ?? Number.MAX_SAFE_INTEGER;
      const rb = rank.get(b.baseAsset) ?? Number.MAX_SAFE_INTEGER;
      if (ra !== rb) return ra - rb;
      return a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
    });
  return { market, symbols, refreshedAt: now } satisfies SymbolListing;
}

function toEntry(m: MarketInfo): SymbolEntry {
  return {
    symbol: m.symbol,
    baseAsset: m.baseAsset,
    quoteAsset: m.quoteAsset,
    status: m.status,
    type: m.type,
    tickSize: m.tickSize,
    stepSize: m.stepSize,
    minNotional: m.minNotional,
  };
}

/**
 * A value read back from Redis is only trusted if it has the listing shape: a corrupted or
 * foreign value is treated as a miss, never served.
 */
export function isSymbolListing(value: unknown, market: MarketType): value is SymbolListing {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<SymbolListing>;
  return (
    v.market === market &&
    typeof v.refreshedAt === 'number' &&
    Array.isArray(v.symbols) &&
    v.symbols.every((s) => s && typeof s.symbol === 'string' && typeof s.baseAsset === 'string')
  );
}
