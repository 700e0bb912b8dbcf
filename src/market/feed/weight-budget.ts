/**
 * The feed's share of the exchange's request weight (per IP, per market, per minute). Each REST
 * task has a tier; a lower tier may only use a smaller part of the limit, so when weight runs
 * short the feed drops depth and trades first, then 24h statistics, and prices last.
 */
import type { ExchangeClient, MarketType, WeightedEndpoint, WeightParams } from '../../trading/index.ts';

/** Binance's default REQUEST_WEIGHT per minute: spot 6000, USDⓈ-M futures 2400. */
export const WEIGHT_LIMIT_PER_MINUTE: Readonly<Record<MarketType, number>> = { spot: 6000, futures: 2400 };

export type FeedTask = 'prices' | 'bookTickers' | 'premiumIndex' | 'stats' | 'depth' | 'trades' | 'klines';

/** Share of the limit the used weight may reach before a task of this tier is skipped. */
const TIER_SHARE: Readonly<Record<FeedTask, number>> = {
  prices: 0.9,
  bookTickers: 0.9,
  premiumIndex: 0.9,
  stats: 0.75,
  depth: 0.6,
  trades: 0.6,
  klines: 0.6,
};

export class WeightBudget {
  /** Weight this process spent since the exchange last reported its count. */
  private spent = 0;
  private observedAt: number | null = null;

  constructor(
    private readonly exchange: ExchangeClient,
    private readonly market: MarketType,
    private readonly limit = WEIGHT_LIMIT_PER_MINUTE[market],
  ) {}

  /**
   * Whether `task` may send a call to `endpoint` now; if so, its weight is counted as spent
   * until the exchange's next report includes it.
   */
  take(task: FeedTask, endpoint: WeightedEndpoint, params?: WeightParams, now = Date.now()): boolean {
    const w = this.exchange.weight(this.market);
    if (w.pausedUntil !== null && w.pausedUntil > now) return false;
    if (w.observedAt !== this.observedAt) {
      this.observedAt = w.observedAt;
      this.spent = 0;
    }
    const cost = this.exchange.requestWeight(this.market, endpoint, params);
    const used = (w.usedWeight1m ?? 0) + this.spent;
    if (used + cost > this.limit * TIER_SHARE[task]) return false;
    this.spent += cost;
    return true;
  }
}
