/**
 * Deterministic price paths. A price is a closed-form function of time, so the simulator can
 * answer for any instant (a candle in 2019, the current tick) without replaying history:
 *
 *   usd(asset, t) = reference(asset) * exp(Σ a_k·sin(2πt/P_k + φ_k) + noise(t))
 *
 * with seed-hashed periods and phases, and per-minute hashed noise interpolated linearly so
 * the path is continuous. A pair's price is the ratio of its two assets' USD prices, which
 * keeps BTCUSDT, ETHUSDT and ETHBTC consistent with each other.
 */
import { STABLE_ASSETS } from './assets.ts';
import { hash32, signedUnit, unit } from './hash.ts';
import type { SymbolDef, Universe } from './universe.ts';

const MINUTE = 60_000;
/** The price path moves in steps of this length (the order book's update step). */
export const PRICE_STEP_MS = 100;
const TWO_PI = Math.PI * 2;

/** Base periods (ms) and log-amplitudes of the sine components, fast wiggles to yearly trends. */
const COMPONENTS: ReadonlyArray<readonly [number, number]> = [
  [11 * MINUTE, 0.0015],
  [73 * MINUTE, 0.004],
  [7.3 * 60 * MINUTE, 0.01],
  [2.9 * 1440 * MINUTE, 0.03],
  [23 * 1440 * MINUTE, 0.08],
  [170 * 1440 * MINUTE, 0.18],
  [2.1 * 365 * 1440 * MINUTE, 0.35],
];
const NOISE_AMPLITUDE = 0.0012;

interface Wave {
  readonly omega: number;
  readonly phase: number;
  readonly amplitude: number;
}
interface AssetPath {
  readonly reference: number;
  readonly waves: readonly Wave[];
  readonly noiseKey: number;
  readonly noise: number;
}

/** Evaluates prices of assets and symbols at any epoch-ms instant. */
export class PriceModel {
  readonly #universe: Universe;
  readonly #paths = new Map<string, AssetPath>();

  constructor(universe: Universe) {
    this.#universe = universe;
  }

  /** USD value of one unit of `asset` at time t. Stablecoins are pegged at exactly 1. */
  usd(asset: string, t: number): number {
    const path = this.#path(asset);
    if (path.waves.length === 0) return path.reference;
    let log = 0;
    for (const w of path.waves) log += w.amplitude * Math.sin(w.omega * t + w.phase);
    return path.reference * Math.exp(log + path.noise * this.#noise(path.noiseKey, t));
  }

  /**
   * Price of `def` (in its quote asset) at time t, frozen once the symbol halted. It holds for
   * each 100 ms update step, so the book of a step (`depth-book.ts`) straddles every trade and
   * ticker price of that step: best bid <= last price <= best ask.
   */
  price(def: SymbolDef, t: number): number {
    const at =
      Math.floor((def.haltedAt === null ? t : Math.min(t, def.haltedAt)) / PRICE_STEP_MS) * PRICE_STEP_MS;
    const ratio = (this.usd(def.priceAsset, at) * def.unitsPerQuote) / this.usd(def.quoteAsset, at);
    if (def.market === 'spot') return ratio;
    // Futures trade at a small, slowly moving basis to spot.
    const basis = 0.0004 * Math.sin((TWO_PI * at) / (5 * 60 * MINUTE) + (hash32(def.symbol) % 628) / 100);
    return ratio * (1 + basis + (def.contractType === 'PERPETUAL' ? 0 : 0.002));
  }

  /** Price rounded to the symbol's tick size (never below one tick). */
  tickPrice(def: SymbolDef, t: number): number {
    return roundToTick(this.price(def, t), def.tick);
  }

  #path(asset: string): AssetPath {
    const cached = this.#paths.get(asset);
    if (cached) return cached;
    const seed = this.#universe.seed;
    const pegged = STABLE_ASSETS.has(asset);
    // Majors move less than small caps; EUR barely moves against the dollar.
    const volatility =
      asset === 'EUR' ? 0.08 : ['BTC', 'ETH'].includes(asset) ? 0.8 : 0.9 + unit(seed, 'vol', asset);
    const waves = pegged
      ? []
      : COMPONENTS.map(([period, amplitude], k) => ({
          omega: TWO_PI / (period * (0.8 + 0.4 * unit(seed, 'period', asset, k))),
          phase: TWO_PI * unit(seed, 'phase', asset, k),
          amplitude: amplitude * volatility * (0.7 + 0.6 * unit(seed, 'amp', asset, k)),
        }));
    const path = {
      reference: this.#universe.referenceUsd(asset),
      waves,
      noiseKey: hash32(seed, 'noise', asset),
      noise: NOISE_AMPLITUDE * volatility,
    };
    this.#paths.set(asset, path);
    return path;
  }

  /** Hashed value per whole minute, linearly interpolated in between. */
  #noise(key: number, t: number): number {
    const m = Math.floor(t / MINUTE);
    const frac = (t - m * MINUTE) / MINUTE;
    const a = signedUnit(key, m);
    const b = signedUnit(key, m + 1);
    return a + (b - a) * frac;
  }
}

/** Rounds to the nearest multiple of tick, never below one tick (a price is never zero). */
export function roundToTick(x: number, tick: number): number {
  return Math.max(tick, Math.round(x / tick) * tick);
}
