import type { Metrics } from '../../metrics.ts';
import type { MarketType, WeightSnapshot } from '../../trading/index.ts';

/**
 * Per-market request weight and 429/418 pauses. Binance limits by IP per market (spot and
 * futures have separate limiters), so one market's ban must not stop the other.
 */

interface MarketState {
  usedWeight1m: number | null;
  observedAt: number | null;
  pausedUntil: number | null;
  /** Whether the pause comes from a 418 ban rather than a 429 warning. */
  banned: boolean;
}

/** Where a market is paused, as the client reports it to callers. */
export interface MarketPause {
  readonly until: number;
  readonly banned: boolean;
  /** Whole seconds left, rounded up so a caller never retries early. */
  readonly remainingSec: number;
}

/** Weight headers, newest spelling first; Headers.get is case-insensitive. */
const WEIGHT_HEADERS = ['x-mbx-used-weight-1m', 'x-mbx-used-weight'];

export class RequestWeightLedger {
  readonly #states = new Map<MarketType, MarketState>();
  readonly #now: () => number;
  readonly #metrics: Metrics | undefined;

  constructor(now: () => number, metrics?: Metrics) {
    this.#now = now;
    this.#metrics = metrics;
  }

  #state(market: MarketType): MarketState {
    let state = this.#states.get(market);
    if (!state) {
      state = { usedWeight1m: null, observedAt: null, pausedUntil: null, banned: false };
      this.#states.set(market, state);
    }
    return state;
  }

  /** Records the used weight a response reported (any status: 429s carry it too). */
  observe(market: MarketType, headers: Headers): void {
    for (const name of WEIGHT_HEADERS) {
      const raw = headers.get(name);
      if (raw === null || !/^\d+$/.test(raw.trim())) continue;
      const state = this.#state(market);
      state.usedWeight1m = Number(raw.trim());
      state.observedAt = this.#now();
      this.#metrics?.exchangeUsedWeight.set({ market }, state.usedWeight1m);
      return;
    }
  }

  /** Pauses a market; a shorter new pause never shortens a running one. */
  pause(market: MarketType, seconds: number, banned: boolean): MarketPause {
    const state = this.#state(market);
    const until = this.#now() + seconds * 1000;
    if (state.pausedUntil === null || until >= state.pausedUntil) {
      state.pausedUntil = until;
      state.banned = banned;
    }
    return this.paused(market) ?? { until, banned, remainingSec: 0 };
  }

  /** The running pause of a market, or null once it has passed. */
  paused(market: MarketType): MarketPause | null {
    const state = this.#states.get(market);
    if (!state || state.pausedUntil === null) return null;
    const remainingMs = state.pausedUntil - this.#now();
    if (remainingMs <= 0) return null;
    return { until: state.pausedUntil, banned: state.banned, remainingSec: Math.ceil(remainingMs / 1000) };
  }

  snapshot(market: MarketType): WeightSnapshot {
    const state = this.#states.get(market);
    return {
      usedWeight1m: state?.usedWeight1m ?? null,
      observedAt: state?.observedAt ?? null,
      pausedUntil: this.paused(market)?.until ?? null,
    };
  }
}
