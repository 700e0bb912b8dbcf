/**
 * Turns a flushed batch into `market-batch` script calls: one call for many symbols (one per
 * hash slot on a Cluster, where a script's keys must share a slot), each symbol a section of
 * its records, packed ticks, packed trades and candles (see the script's header for the
 * layout). A flush of 500 symbols is a few commands, not a thousand: per-command and
 * per-argument costs in Node (ioredis commands, argument buffers, promises) were most of the
 * feed's write path.
 */
import keySlot from 'cluster-key-slot';
import type { RecordKind } from './kinds.ts';
import type { PendingSymbol } from './pending.ts';
import type { SymbolKeys } from './symbol-keys.ts';

/** Most ticks, trades or candles of one symbol per section (bounds a call's work in Redis). */
const MAX_PER_SECTION = 2000;
/** Most arguments of one call: a few ms of Redis time, so other clients are not held up. */
const MAX_ARGS_PER_CALL = 600;

/** The per-call TTLs and limits (ARGV 1–4). */
export interface BatchLimits {
  readonly priceTtlMs: number;
  readonly seriesTtlMs: number;
  readonly tradesTtlMs: number;
  readonly tradesKept: number;
  readonly ttlOf: (kind: RecordKind) => number;
}

/** One symbol's share of a flush, with its candles already encoded and checked. */
export interface SymbolWrites {
  readonly keys: SymbolKeys;
  readonly writes: PendingSymbol;
  readonly candles: readonly (readonly [string, string])[];
}

/** One script call: its keys and arguments, and what each of its records was (in order). */
export interface BatchCall {
  readonly keys: string[];
  readonly args: (string | number)[];
  readonly records: (RecordKind | 'price')[];
}

/**
 * The calls for `symbols`: one group on one Redis (`cluster` false), one group per hash slot on
 * a Cluster; each group cut into calls of at most {@link MAX_ARGS_PER_CALL} arguments.
 */
export function batchCalls(
  symbols: readonly SymbolWrites[],
  limits: BatchLimits,
  cluster: boolean,
): BatchCall[] {
  const groups = new Map<number, SymbolWrites[]>();
  for (const s of symbols) {
    const slot = cluster ? keySlot(s.keys.tick[0]) : 0;
    const group = groups.get(slot);
    if (group) group.push(s);
    else groups.set(slot, [s]);
  }
  const calls: BatchCall[] = [];
  for (const group of groups.values()) {
    let call = newCall(limits);
    for (const s of group) {
      for (const section of sectionsOf(s, limits)) {
        if (call.sections > 0 && call.args.length + section.args.length > MAX_ARGS_PER_CALL) {
          calls.push(finish(call));
          call = newCall(limits);
        }
        call.keys.push(...section.keys);
        for (const a of section.args) call.args.push(a);
        call.records.push(...section.records);
        call.sections++;
      }
    }
    if (call.sections > 0) calls.push(finish(call));
  }
  return calls;
}

interface OpenCall {
  keys: string[];
  args: (string | number)[];
  records: (RecordKind | 'price')[];
  sections: number;
}

function newCall(limits: BatchLimits): OpenCall {
  return {
    keys: [],
    // ARGV[5], the section count, is filled in by `finish`.
    args: [limits.priceTtlMs, limits.seriesTtlMs, limits.tradesTtlMs, limits.tradesKept, 0],
    records: [],
    sections: 0,
  };
}

function finish(call: OpenCall): BatchCall {
  call.args[4] = call.sections;
  return { keys: call.keys, args: call.args, records: call.records };
}

/**
 * A symbol's sections: usually one; a symbol with a huge backlog is cut so that no section
 * holds more than {@link MAX_PER_SECTION} of a kind. Its records go with the first.
 */
function* sectionsOf(s: SymbolWrites, limits: BatchLimits): Generator<BatchCall> {
  const { keys, writes, candles } = s;
  const recordKeys: string[] = [];
  const recordArgs: (string | number)[] = [];
  const records: (RecordKind | 'price')[] = [];
  if (writes.current) {
    recordKeys.push(keys.tick[0]);
    recordArgs.push(writes.current.seq, writes.current.value, limits.priceTtlMs);
    records.push('price');
  }
  for (const [kind, record] of writes.records) {
    recordKeys.push(keys.records[kind]);
    recordArgs.push(record.seq, record.value, limits.ttlOf(kind));
    records.push(kind);
  }
  const hasSeries = writes.ticks.length > 0 || writes.trades.length > 0 || candles.length > 0;
  if (!hasSeries) {
    yield { keys: recordKeys, args: ['0', records.length, ...recordArgs], records };
    return;
  }
  const mode = writes.ticksSetPrice ? '2' : '1';
  const { ticks, trades } = writes;
  let first = true;
  for (let t = 0, r = 0, c = 0; t < ticks.length || r < trades.length || c < candles.length; first = false) {
    const tickEnd = Math.min(ticks.length, t + MAX_PER_SECTION);
    const tradeEnd = Math.min(trades.length, r + MAX_PER_SECTION);
    const candleEnd = Math.min(candles.length, c + MAX_PER_SECTION);
    const args: (string | number)[] = first ? [mode, records.length, ...recordArgs] : [mode, 0];
    args.push(ticks.packed(t, tickEnd), trades.packed(r, tradeEnd), candleEnd - c);
    for (; c < candleEnd; c++) {
      const [field, value] = candles[c]!;
      args.push(field, value);
    }
    t = tickEnd;
    r = tradeEnd;
    yield {
      keys: first ? [...recordKeys, ...keys.tick] : [...keys.tick],
      args,
      records: first ? records : [],
    };
  }
}
