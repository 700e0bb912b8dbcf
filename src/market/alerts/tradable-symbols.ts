/**
 * Which symbols an alert may be set on: those the exchange lists as TRADING in that market, any
 * quote asset (not only the configured USDT lists). The exchange's list is fetched at most once
 * per TTL per process (concurrent misses share one fetch); a failed fetch is not cached.
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { ExchangeClient, MarketType } from '../../trading/index.ts';

export interface TradableSymbolsDeps {
  readonly exchange: Pick<ExchangeClient, 'getMarkets'>;
  /** How long a fetched list is used (ms). */
  readonly ttlMs: number;
  readonly now?: () => number;
}

interface Cached {
  readonly symbols: ReadonlySet<string>;
  readonly fetchedAt: number;
}

export class TradableSymbols {
  private readonly now: () => number;
  private readonly cached = new Map<MarketType, Cached>();
  private readonly inFlight = new Map<MarketType, Promise<Cached>>();

  constructor(private readonly deps: TradableSymbolsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Whether `symbol` trades in `market`; UPSTREAM_UNAVAILABLE when the exchange cannot say. */
  async isTradable(market: MarketType, symbol: string): Promise<boolean> {
    const hit = this.cached.get(market);
    if (hit && this.now() - hit.fetchedAt < this.deps.ttlMs) return hit.symbols.has(symbol);
    return (await this.fetch(market)).symbols.has(symbol);
  }

  private fetch(market: MarketType): Promise<Cached> {
    const running = this.inFlight.get(market);
    if (running) return running;
    const started = (async () => {
      try {
        const markets = await this.deps.exchange.getMarkets(market);
        const entry = {
          symbols: new Set(markets.filter((m) => m.status === 'TRADING').map((m) => m.symbol)),
          fetchedAt: this.now(),
        };
        this.cached.set(market, entry);
        return entry;
      } catch (err) {
        throw new TradecacheError(
          ErrorCodes.UPSTREAM_UNAVAILABLE,
          `cannot check the ${market} symbol list with the exchange right now`,
          { cause: err },
        );
      } finally {
        this.inFlight.delete(market);
      }
    })();
    this.inFlight.set(market, started);
    return started;
  }
}
