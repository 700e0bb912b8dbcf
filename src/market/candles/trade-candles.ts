/**
 * Candles of several intervals (1m … 1d by default) built from one symbol's aggregated trades.
 * Each trade is parsed once. The first trade of each minute goes to every interval's series; the
 * minute's later trades are gathered into one accumulator (highs, lows, closes and sums compose
 * exactly) that every interval takes in one step when its candles are read or at the next
 * minute's first trade: six candle updates per trade were most of the feed's CPU.
 *
 * The gathering only runs while every interval has counted the same trades (always, but after a
 * resume from uneven snapshots); a gathered trade is in the open candle of every interval (same
 * minute, ids after all counted), so it closes nothing, and a repeated id is refused exactly as
 * each series would refuse it: every candle closes, and every outcome is, what it was with one
 * update per trade and interval.
 */

import { alignDown } from '../../trading/index.ts';
import { addTrade, type CandleAccumulator, openWith, parseTrade } from './accumulator.ts';
import { CandleSeries } from './candle-series.ts';
import {
  type AggTrade,
  CANDLE_INTERVALS,
  type Candle,
  type CandleBar,
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
  /** Open time (in the shortest interval) of the minute whose trades may be gathered; -1: none. */
  private gatherFrom = -1;
  /** The trades gathered since the series last took them. */
  private gathered: CandleAccumulator | undefined;
  /** The last trade id every series had counted when the gathering started. */
  private gatherAfter = -1;

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
    const shortest = this.series[0];
    if (!shortest) return { outcome: 'applied', closed };
    const minute = alignDown(shortest.interval, parsed.time);
    if (minute === this.gatherFrom) {
      // The series' own rules for a trade in their open candles: ids must be after all counted.
      const last = this.gathered?.lastTradeId ?? this.gatherAfter;
      if (parsed.lastTradeId <= last) return { outcome: 'duplicate', closed };
      if (parsed.firstTradeId <= last) return { outcome: 'overlap', closed };
      if (this.gathered) addTrade(this.gathered, parsed);
      else this.gathered = openWith(shortest.interval, minute, minute, parsed);
      return { outcome: 'applied', closed };
    }
    this.handOver();
    let outcome: TradeOutcome | undefined;
    for (const s of this.series) {
      const result = s.apply(parsed, closed);
      outcome ??= result;
    }
    this.remember(closed);
    const last = shortest.lastAppliedTradeId();
    this.gatherFrom =
      outcome === 'applied' && this.series.every((s) => s.lastAppliedTradeId() === last) ? minute : -1;
    this.gatherAfter = last;
    return { outcome: outcome ?? 'applied', closed };
  }

  /** Closes every candle whose time has passed by `now` (epoch ms); returns them. */
  advance(now: number): Candle[] {
    this.handOver();
    this.gatherFrom = -1;
    const closed: Candle[] = [];
    for (const s of this.series) s.advance(now, closed);
    this.remember(closed);
    return closed;
  }

  /** The open candle of `interval`, if a trade has opened one. */
  current(interval: CandleInterval): Candle | undefined {
    this.handOver();
    return this.series.find((s) => s.interval === interval)?.current();
  }

  /** The open candle of `interval` as it is stored, if a trade has opened one. */
  currentBar(interval: CandleInterval): CandleBar | undefined {
    this.handOver();
    return this.series.find((s) => s.interval === interval)?.currentBar();
  }

  snapshot(): CandleSnapshot {
    this.handOver();
    const candles: Candle[] = [];
    for (const s of this.series) {
      const candle = s.current() ?? this.lastClosed.get(s.interval);
      if (candle) candles.push(candle);
    }
    return { candles };
  }

  /** The gathered trades go to every series (their open candles hold this minute). */
  private handOver(): void {
    const gathered = this.gathered;
    if (!gathered) return;
    this.gathered = undefined;
    this.gatherAfter = gathered.lastTradeId;
    for (const s of this.series) s.applyGathered(gathered);
  }

  private remember(closed: readonly Candle[]): void {
    for (const c of closed) this.lastClosed.set(c.interval, c);
  }
}
