/**
 * What a batch holds for one symbol until it is flushed, coalesced as the Lua scripts would
 * decide: only the newest record of each kind, only the winning version of each candle, every
 * tick and trade (the series and the tape need them all). What coalescing drops is counted as
 * ignored, exactly as if it had reached Redis after the newer write.
 */
import type { Candle } from '../prices/candle-codec.ts';
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
  /** `<seq>|<time>|<price>` values (the price record's own form), in arrival order. */
  readonly ticks: string[] = [];
  ticksSorted = true;
  lastTickSeq = -1;
  maxTickTime = -1;
  /** Whether the ticks also set the current price (else they only join the series). */
  ticksSetPrice = false;
  /** The newest current price of the price lane (`<seq>|<time>|<price>`), written alone. */
  current: PendingRecord | null = null;
  coalescedPrices = 0;
  /** Trade list elements (id first), in arrival order. */
  readonly trades: string[] = [];
  tradesSorted = true;
  lastTradeId = -1;
  readonly candles = new Map<string, PendingCandle>();
  readonly records = new Map<RecordKind, PendingRecord>();
  coalescedCandles = 0;
  coalescedRecords: Partial<Record<RecordKind, number>> = {};

  addTick(seq: number, time: number, price: string, setsPrice: boolean): void {
    if (setsPrice) this.ticksSetPrice = true;
    if (seq < this.lastTickSeq) this.ticksSorted = false;
    this.lastTickSeq = seq;
    if (time > this.maxTickTime) this.maxTickTime = time;
    this.ticks.push(`${seq}|${time}|${price}`);
  }

  /** Keeps only the newest current price: the lane writes one per symbol per flush. */
  setCurrent(record: PendingRecord): void {
    if (this.current) {
      this.coalescedPrices++;
      if (this.current.seq >= record.seq) return;
    }
    this.current = record;
  }

  addTrade(id: number, element: string): void {
    if (id < this.lastTradeId) this.tradesSorted = false;
    this.lastTradeId = id;
    this.trades.push(element);
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

  /** Ticks in ascending seq (stable: equal seqs keep their order, the script ignores repeats). */
  sortedTicks(): string[] {
    return this.ticksSorted ? this.ticks : byLeadingInteger(this.ticks);
  }

  /** Trades in ascending id. */
  sortedTrades(): string[] {
    return this.tradesSorted ? this.trades : byLeadingInteger(this.trades);
  }

  /** Drops the oldest half of the queued series points (a bounded queue under overload). */
  shedTicks(): number {
    const drop = this.ticks.length >> 1;
    if (drop === 0) return 0;
    const kept = this.sortedTicks().slice(drop);
    this.ticks.length = 0;
    this.ticks.push(...kept);
    this.ticksSorted = true;
    return drop;
  }
}

/** Sorted by the integer before the first `|` (seq or trade id). */
function byLeadingInteger(values: readonly string[]): string[] {
  return values
    .map((value) => ({ value, key: Number(value.slice(0, value.indexOf('|'))) }))
    .sort((a, b) => a.key - b.key)
    .map((e) => e.value);
}
