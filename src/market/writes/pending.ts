/**
 * What a batch holds for one symbol until it is flushed, coalesced as the Lua scripts would
 * decide: only the newest record of each kind, only the winning version of each candle, every
 * tick and trade (the series and the tape need them all). What coalescing drops is counted as
 * ignored, exactly as if it had reached Redis after the newer write.
 */
import type { Candle } from '../prices/candle-codec.ts';
import { TickColumns, TradeColumns } from './columns.ts';
import type { RecordKind } from './kinds.ts';

/** A candle as handed over (a shallow copy), encoded at flush only if it is still the winner. */
export interface PendingCandle {
  readonly rank: number;
  readonly final: boolean;
  readonly candle: Candle;
}

export interface PendingRecord {
  readonly seq: number;
  readonly value: string;
}

export class PendingSymbol {
  /** Ticks in arrival order (packed in ascending seq at the flush). */
  readonly ticks = new TickColumns();
  /** Whether the ticks also set the current price (else they only join the series). */
  ticksSetPrice = false;
  /** The newest current price of the price lane (`<seq>|<time>|<price>`), written alone. */
  current: PendingRecord | null = null;
  coalescedPrices = 0;
  /** Trades for the recent-trades list, in arrival order (packed in ascending id). */
  readonly trades = new TradeColumns();
  readonly candles = new Map<string, PendingCandle>();
  readonly records = new Map<RecordKind, PendingRecord>();
  coalescedCandles = 0;
  coalescedRecords: Partial<Record<RecordKind, number>> = {};

  addTick(seq: number, time: number, price: string, setsPrice: boolean): void {
    if (setsPrice) this.ticksSetPrice = true;
    this.ticks.add(seq, time, price);
  }

  /** Keeps only the newest current price: the lane writes one per symbol per flush. */
  setCurrent(record: PendingRecord): void {
    if (this.current) {
      this.coalescedPrices++;
      if (this.current.seq >= record.seq) return;
    }
    this.current = record;
  }

  addCandle(field: string, candle: PendingCandle): void {
    const held = this.candles.get(field);
    if (held && !(candle.final || (!held.final && candle.rank > held.rank))) {
      this.coalescedCandles++;
      return;
    }
    if (held) this.coalescedCandles++;
    this.candles.set(field, candle);
  }

  addRecord(kind: RecordKind, record: PendingRecord): void {
    const held = this.records.get(kind);
    if (held) {
      this.coalescedRecords[kind] = (this.coalescedRecords[kind] ?? 0) + 1;
      if (held.seq >= record.seq) return;
    }
    this.records.set(kind, record);
  }
}
