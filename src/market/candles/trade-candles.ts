/**
 * Candles of several intervals (1m … 1d by default) built from one symbol's aggregated trades.
 * Each trade is parsed once and fed to every interval's series.
 */
import { parseTrade } from './accumulator.ts';
import { CandleSeries } from './candle-series.ts';
import {
  type AggTrade,
  CANDLE_INTERVALS,
  type Candle,
  type CandleInterval,
  type TradeOutcome,
} from './types.ts';

/** What to store to resume after a restart or on another worker. */
export interface CandleSnapshot {
  /** Per interval: the open candle, else the last closed one (its ids say what was counted). */
  readonly candles: readonly Candle[];
}

/** What one trade did. */
export interface TradeResult {
  /** Outcome in the shortest interval (they agree unless resumed from uneven snapshots). */
  readonly outcome: TradeOutcome;
  /** Candles this trade closed, shortest interval first, oldest first. */
  readonly closed: Candle[];
}

export class TradeCandles {
  private readonly series: CandleSeries[];
  /** The last closed candle of each interval, kept for snapshots taken between candles. */
  private readonly lastClosed = new Map<CandleInterval, Candle>();

  constructor(
    intervals: readonly CandleInterval[] = CANDLE_INTERVALS,
    resume: CandleSnapshot = { candles: [] },
  ) {
    this.series = intervals.map((interval) => {
      const stored = resume.candles.find((c) => c.interval === interval);
      if (stored?.closed) this.lastClosed.set(interval, stored);
      return new CandleSeries(interval, stored);
    });
  }

  /** Applies one trade to every interval. Throws a validation error (changing nothing) on bad input. */
  applyTrade(trade: AggTrade): TradeResult {
    const parsed = parseTrade(trade);
    const closed: Candle[] = [];
    let outcome: TradeOutcome | undefined;
    for (const s of this.series) {
      const result = s.apply(parsed, closed);
      outcome ??= result;
    }
    this.remember(closed);
    return { outcome: outcome ?? 'applied', closed };
  }

  /** Closes every candle whose time has passed by `now` (epoch ms); returns them. */
  advance(now: number): Candle[] {
    const closed: Candle[] = [];
    for (const s of this.series) s.advance(now, closed);
    this.remember(closed);
    return closed;
  }

  /** The open candle of `interval`, if a trade has opened one. */
  current(interval: CandleInterval): Candle | undefined {
    return this.series.find((s) => s.interval === interval)?.current();
  }

  snapshot(): CandleSnapshot {
    const candles: Candle[] = [];
    for (const s of this.series) {
      const candle = s.current() ?? this.lastClosed.get(s.interval);
      if (candle) candles.push(candle);
    }
    return { candles };
  }

  private remember(closed: readonly Candle[]): void {
    for (const c of closed) this.lastClosed.set(c.interval, c);
  }
}
