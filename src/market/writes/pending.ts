/**
 * What a batch holds for one symbol until it is flushed, coalesced as the Lua scripts would
 * decide: only the newest record of each kind, only the winning version of each candle, every
 * tick and trade (the series and the tape need them all). What coalescing drops is counted as
 * ignored, exactly as if it had reached Redis after the newer write.
 */
import type { RecordKind } from './kinds.ts';

export interface PendingCandle {
  readonly rank: number;
  readonly final: boolean;
  readonly value: string;
}

export interface PendingRecord {
  readonly seq: number;
  readonly value: string;
}

export class PendingSymbol {
  /** Flat (seq, time, price) triples in the tick script's argument order. */
  readonly ticks: (string | number)[] = [];
  ticksSorted = true;
  lastTickSeq = -1;
  maxTickTime = -1;
  /** Flat (id, element) pairs. */
  readonly trades: (string | number)[] = [];
  tradesSorted = true;
  lastTradeId = -1;
  readonly candles = new Map<string, PendingCandle>();
  readonly records = new Map<RecordKind, PendingRecord>();
  coalescedCandles = 0;
  coalescedRecords: Partial<Record<RecordKind, number>> = {};

  addTick(seq: number, time: number, price: string): void {
    if (seq < this.lastTickSeq) this.ticksSorted = false;
    this.lastTickSeq = seq;
    if (time > this.maxTickTime) this.maxTickTime = time;
    this.ticks.push(seq, time, price);
  }

  addTrade(id: number, element: string): void {
    if (id < this.lastTradeId) this.tradesSorted = false;
    this.lastTradeId = id;
    this.trades.push(id, element);
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

  /** Tick triples in ascending seq (stable: equal seqs keep their order, the script ignores repeats). */
  sortedTicks(): (string | number)[] {
    return this.ticksSorted ? this.ticks : sortGroups(this.ticks, 3);
  }

  sortedTrades(): (string | number)[] {
    return this.tradesSorted ? this.trades : sortGroups(this.trades, 2);
  }
}

function sortGroups(flat: (string | number)[], size: number): (string | number)[] {
  const groups: (string | number)[][] = [];
  for (let i = 0; i < flat.length; i += size) groups.push(flat.slice(i, i + size));
  groups.sort((a, b) => (a[0] as number) - (b[0] as number));
  return groups.flat();
}
