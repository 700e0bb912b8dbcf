/**
 * The keys of one symbol, built once per process and reused by every flush: building and
 * validating five keys per symbol per tick would cost more than the rest of the hot path.
 * Bounded by the exchange's symbol count (a few thousand per market).
 */
import type { MarketKeys } from '../../redis/keys/index.ts';
import { assertSymbol, isSymbol, type MarketType } from '../../trading/index.ts';
import type { RecordKind } from './kinds.ts';

export interface SymbolKeys {
  /** A section's keys in the `market-batch` script: price, ticks, trades, candles, candle index, series mark. */
  readonly tick: readonly [string, string, string, string, string, string];
  readonly records: Readonly<Record<RecordKind, string>>;
}

const MAX_CACHED = 50_000;

export class SymbolKeyCache {
  private readonly cache = new Map<string, SymbolKeys>();

  constructor(private readonly keys: MarketKeys) {}

  /** The symbol's keys; throws (from the key registry) when the market or symbol is invalid. */
  get(market: MarketType, symbol: string): SymbolKeys {
    const id = `${market}:${symbol}`;
    let found = this.cache.get(id);
    if (!found) {
      // The key registry upper-cases; a write must name the symbol exactly as the index lists it.
      if (!isSymbol(symbol)) {
        const given: unknown = symbol;
        assertSymbol(typeof given === 'string' && given === given.toUpperCase() ? given : '');
      }
      const k = this.keys;
      found = {
        tick: [
          k.price(market, symbol),
          k.ticks(market, symbol),
          k.trades(market, symbol),
          k.candles(market, symbol),
          k.candleIndex(market, symbol),
          k.seriesMark(market, symbol),
        ],
        records: {
          bookTicker: k.bookTicker(market, symbol),
          orderBook: k.orderBook(market, symbol),
          stats24h: k.stats24h(market, symbol),
          premiumIndex: k.premiumIndex(market, symbol),
          symbolInfo: k.info(market, symbol),
        },
      };
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(id, found);
    }
    return found;
  }
}
