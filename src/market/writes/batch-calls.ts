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
  const calls = new CallBuilder(limits);
  for (const group of groups.values()) {
    calls.startGroup();
    for (const s of group) addSymbol(s, limits, calls);
  }
  return calls.finish();
}

interface OpenCall {
  keys: string[];
  args: (string | number)[];
  records: (RecordKind | 'price')[];
  sections: number;
}

/**
 * The calls being built: sections are appended straight into the open call (no per-section
 * arrays: a flush of 500 symbols builds thousands of them, young garbage every flush).
 */
class CallBuilder {
  private readonly calls: BatchCall[] = [];
  private call: OpenCall;

  constructor(private readonly limits: BatchLimits) {
    this.call = this.open();
  }

  /** A group (hash slot) starts a call of its own. */
  startGroup(): void {
    if (this.call.sections > 0) this.close();
  }

  /** Makes room for a section of `args` arguments: a full call is closed first. */
  room(args: number): OpenCall {
    if (this.call.sections > 0 && this.call.args.length + args > MAX_ARGS_PER_CALL) this.close();
    this.call.sections++;
    return this.call;
  }

  finish(): BatchCall[] {
    if (this.call.sections > 0) this.close();
    return this.calls;
  }

  private close(): void {
    const { keys, args, records, sections } = this.call;
    // ARGV[5], the section count.
    args[4] = sections;
    this.calls.push({ keys, args, records });
    this.call = this.open();
  }

  private open(): OpenCall {
    const l = this.limits;
    return {
      keys: [],
      args: [l.priceTtlMs, l.seriesTtlMs, l.tradesTtlMs, l.tradesKept, 0],
      records: [],
      sections: 0,
    };
  }
}

/**
 * A symbol's sections: usually one; a symbol with a huge backlog is cut so that no section
 * holds more than {@link MAX_PER_SECTION} of a kind. Its records go with the first.
 */
function addSymbol(s: SymbolWrites, limits: BatchLimits, calls: CallBuilder): void {
  const { keys, writes, candles } = s;
  const recordCount = (writes.current ? 1 : 0) + writes.records.size;
  const hasSeries = writes.ticks.length > 0 || writes.trades.length > 0 || candles.length > 0;
  if (!hasSeries) {
    const call = calls.room(2 + 3 * recordCount);
    call.args.push('0', recordCount);
    addRecords(call, s, limits);
    return;
  }
  const mode = writes.ticksSetPrice ? '2' : '1';
  const { ticks, trades } = writes;
  let first = true;
  for (let t = 0, r = 0, c = 0; t < ticks.length || r < trades.length || c < candles.length; first = false) {
    const tickEnd = Math.min(ticks.length, t + MAX_PER_SECTION);
    const tradeEnd = Math.min(trades.length, r + MAX_PER_SECTION);
    const candleEnd = Math.min(candles.length, c + MAX_PER_SECTION);
    const call = calls.room((first ? 2 + 3 * recordCount : 2) + 3 + 2 * (candleEnd - c));
    // KEYS per section: one per record, then the series keys; ARGV likewise.
    if (first) {
      call.args.push(mode, recordCount);
      addRecords(call, s, limits);
    } else {
      call.args.push(mode, 0);
    }
    call.args.push(ticks.packed(t, tickEnd), trades.packed(r, tradeEnd), candleEnd - c);
    for (; c < candleEnd; c++) {
      const [field, value] = candles[c]!;
      call.args.push(field, value);
    }
    for (const key of keys.tick) call.keys.push(key);
    t = tickEnd;
    r = tradeEnd;
  }
}

/** The symbol's records (current price first): a key, and seq, value, TTL each. */
function addRecords(call: OpenCall, s: SymbolWrites, limits: BatchLimits): void {
  const { keys, writes } = s;
  if (writes.current) {
    call.keys.push(keys.tick[0]);
    call.args.push(writes.current.seq, writes.current.value, limits.priceTtlMs);
    call.records.push('price');
  }
  for (const [kind, record] of writes.records) {
    call.keys.push(keys.records[kind]);
    call.args.push(record.seq, record.value, limits.ttlOf(kind));
    call.records.push(kind);
  }
}
