/**
 * Request-weight accounting per fixed UTC minute, as Binance does for X-MBX-USED-WEIGHT-1M:
 * the counter resets on each whole minute, and a request that pushes the total over the limit
 * is answered with 429 and a Retry-After up to the next minute.
 */

const MINUTE = 60_000;

/** Result of charging one request. */
export interface WeightCharge {
  /** Weight used in the current minute, including this request. */
  readonly used: number;
  /** True when the limit is exceeded and the request must be refused with 429. */
  readonly exceeded: boolean;
  /** Whole seconds until the window resets (at least 1). */
  readonly retryAfterSec: number;
}

/** One weight counter (the simulator keeps one per market, like separate Binance hosts). */
export class WeightMeter {
  readonly #limit: number;
  #minute = -1;
  #used = 0;

  constructor(limitPerMinute: number) {
    this.#limit = limitPerMinute;
  }

  /** Adds `weight` at time `now`; refused requests still count, as on the real exchange. */
  charge(weight: number, now: number): WeightCharge {
    this.#roll(now);
    this.#used += weight;
    return { used: this.#used, exceeded: this.#used > this.#limit, retryAfterSec: secondsToNextMinute(now) };
  }

  /** Weight used in the current minute. */
  used(now: number): number {
    this.#roll(now);
    return this.#used;
  }

  #roll(now: number): void {
    const minute = Math.floor(now / MINUTE);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#used = 0;
    }
  }
}

/** Seconds (rounded up, at least 1) until the next whole UTC minute. */
export function secondsToNextMinute(now: number): number {
  return Math.max(1, Math.ceil((MINUTE - (now % MINUTE)) / 1000));
}
