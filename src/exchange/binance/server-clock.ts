import type { ServerTimeOffset } from '../../trading/exchange-client.ts';
import type { MarketType } from '../../trading/markets.ts';

/**
 * The exchange's clock as seen from ours, per market (spot and futures are separate hosts).
 *
 * Each answer bounds the offset (exchange time − our time): the exchange read its clock at some
 * moment between our sending the request (`sentAt`) and our receiving the headers
 * (`receivedAt`). A `Date` header gives whole seconds, so the exchange's time then lay in
 * [D, D + 1000); a `/time` body gives the millisecond. The clock keeps the intersection of the
 * bounds it has seen, widened by a drift allowance as they age, so many answers give an offset
 * sharper than any single one; when a new bound no longer overlaps (a clock was stepped), it
 * starts again from that bound.
 */

/** How fast two clocks may drift apart: 100 ppm, ten times what NTP-less quartz usually does. */
const DRIFT_PER_MS = 1e-4;

/** One answer's bounds on the offset, in ms. */
interface Bounds {
  low: number;
  high: number;
  observedAt: number;
  source: ServerTimeOffset['source'];
}

/** When we sent a request and when its headers came back, by our clock. */
export interface ExchangeRoundTrip {
  readonly sentAt: number;
  readonly receivedAt: number;
}

export class ServerClock {
  readonly #bounds = new Map<MarketType, Bounds>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Learns from an HTTP `Date` header (RFC 7231, whole seconds); ignores a missing or unparsable one. */
  observeDateHeader(market: MarketType, header: string | null, trip: ExchangeRoundTrip): void {
    if (header === null) return;
    const date = Date.parse(header);
    if (Number.isNaN(date)) return;
    this.#observe(market, {
      low: date - trip.receivedAt,
      high: date + 1000 - trip.sentAt,
      observedAt: trip.receivedAt,
      source: 'date-header',
    });
  }

  /** Learns from a `/time` answer: `serverTime` was read between sending and receiving. */
  observeServerTime(market: MarketType, serverTime: number, trip: ExchangeRoundTrip): void {
    this.#observe(market, {
      low: serverTime - trip.receivedAt,
      high: serverTime - trip.sentAt,
      observedAt: trip.receivedAt,
      source: 'server-time',
    });
  }

  #observe(market: MarketType, next: Bounds): void {
    const prev = this.#bounds.get(market);
    if (!prev) {
      this.#bounds.set(market, next);
      return;
    }
    const drift = Math.abs(next.observedAt - prev.observedAt) * DRIFT_PER_MS;
    const low = Math.max(prev.low - drift, next.low);
    const high = Math.min(prev.high + drift, next.high);
    if (low > high) {
      // Disjoint: one of the clocks was stepped. The newest answer is the truth now.
      this.#bounds.set(market, next);
      return;
    }
    // The source named is that of the sharper of the two bounds.
    const prevWidth = prev.high - prev.low + 2 * drift;
    const source = next.high - next.low <= prevWidth ? next.source : prev.source;
    this.#bounds.set(market, { low, high, observedAt: next.observedAt, source });
  }

  /** The offset estimate, or null before the first answer of the market. */
  offset(market: MarketType): ServerTimeOffset | null {
    const b = this.#bounds.get(market);
    if (!b) return null;
    const drift = Math.max(0, this.#now() - b.observedAt) * DRIFT_PER_MS;
    const low = b.low - drift;
    const high = b.high + drift;
    return {
      offsetMs: Math.round((low + high) / 2),
      uncertaintyMs: Math.ceil((high - low) / 2),
      source: b.source,
      observedAt: b.observedAt,
    };
  }

  /** The exchange's time now, as the lowest value consistent with every answer; null before any. */
  serverNow(market: MarketType): number | null {
    const b = this.#bounds.get(market);
    if (!b) return null;
    const now = this.#now();
    return Math.floor(now + b.low - Math.max(0, now - b.observedAt) * DRIFT_PER_MS);
  }
}
