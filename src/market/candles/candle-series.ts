/**
 * The candles of one interval built from trades as they arrive: one open candle, closed when
 * a trade of a later interval arrives or its time has passed. Trade ids make it idempotent:
 * a trade whose last id is not above the last applied id changes nothing.
 */
import { alignDown, intervalMs } from '../../trading/index.ts';
import {
  addTrade,
  type CandleAccumulator,
  fromCandle,
  mergeInto,
  openEmpty,
  openWith,
  type ParsedTrade,
  toBar,
  toCandle,
  type ZeroWidths,
  zeroWidthsOf,
} from './accumulator.ts';
import type { Candle, CandleBar, CandleInterval, TradeOutcome } from './types.ts';

/** Quiet intervals filled with flat candles after a silence, at most (a day of minutes). */
export const MAX_EMPTY_CANDLES = 1440;

export class CandleSeries {
  private open: CandleAccumulator | undefined;
  /** Last trade id counted, also across candles already handed on. */
  private lastTradeId: number;
  private readonly ms: number;
  /** Close price and time of the last candle handed on (to fill quiet intervals after it). */
  private lastClose: string | undefined;
  private lastCloseTime = -1;
  /** Widths of the last candle's volumes, for the zeros of quiet candles after it. */
  private lastZeros: ZeroWidths | undefined;

  /** `resume`: the stored candle to continue (open or closed), with its trade ids. */
  constructor(
    readonly interval: CandleInterval,
    resume?: Candle,
  ) {
    this.ms = intervalMs(interval);
    this.open = resume && !resume.closed ? fromCandle(resume) : undefined;
    this.lastTradeId = resume ? resume.lastTradeId : -1;
    if (resume?.closed) {
      this.lastClose = resume.close;
      this.lastCloseTime = resume.closeTime;
      this.lastZeros = zeroWidthsOf(fromCandle(resume));
    }
  }

  /** Applies one trade; candles it closed (oldest first) are pushed onto `closed`. */
  apply(trade: ParsedTrade, closed: Candle[]): TradeOutcome {
    if (trade.lastTradeId <= this.lastTradeId) return 'duplicate';
    if (trade.firstTradeId <= this.lastTradeId) return 'overlap';
    const openTime = alignDown(this.interval, trade.time);
    if (this.open && openTime < this.open.openTime) return 'late';
    if (!this.open && openTime <= this.lastCloseTime) return 'late';
    if (this.open && openTime > this.open.openTime) this.closeOpen(closed);
    if (!this.open) {
      this.fillQuiet(openTime, closed);
      this.open = openWith(this.interval, openTime, openTime + this.ms - 1, trade);
    } else {
      addTrade(this.open, trade);
    }
    this.lastTradeId = trade.lastTradeId;
    return 'applied';
  }

  /**
   * Adds trades gathered elsewhere (`d`, all within the open candle and after every trade
   * counted in it: the caller's rule) to the open candle in one step.
   */
  applyGathered(d: CandleAccumulator): void {
    if (!this.open || d.lastTradeId <= this.lastTradeId) return;
    mergeInto(this.open, d);
    this.lastTradeId = d.lastTradeId;
  }

  /** Closes the open candle if `now` is past its close time. */
  advance(now: number, closed: Candle[]): void {
    if (this.open && now > this.open.closeTime) this.closeOpen(closed);
  }

  /** The candle being built (not closed), if any. */
  current(): Candle | undefined {
    return this.open ? toCandle(this.open, false) : undefined;
  }

  /** The candle being built, as stored (see {@link toBar}). */
  currentBar(): CandleBar | undefined {
    return this.open ? toBar(this.open) : undefined;
  }

  /** What to store to resume after a restart: the open candle, or the last id if none is open. */
  lastAppliedTradeId(): number {
    return this.lastTradeId;
  }

  private closeOpen(closed: Candle[]): void {
    if (!this.open) return;
    closed.push(toCandle(this.open, true));
    this.lastClose = this.open.close;
    this.lastCloseTime = this.open.closeTime;
    this.lastZeros = zeroWidthsOf(this.open);
    this.open = undefined;
  }

  /** Flat candles for the intervals without trades between the last closed one and `openTime`. */
  private fillQuiet(openTime: number, closed: Candle[]): void {
    if (this.lastClose === undefined || this.lastCloseTime < 0 || !this.lastZeros) return;
    const first = this.lastCloseTime + 1;
    if ((openTime - first) / this.ms > MAX_EMPTY_CANDLES) return;
    for (let t = first; t < openTime; t += this.ms) {
      closed.push(
        toCandle(openEmpty(this.interval, t, t + this.ms - 1, this.lastClose, this.lastZeros), true),
      );
    }
  }
}
