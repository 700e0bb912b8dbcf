/**
 * A batch's queued ticks and trades as columns: ids, seqs and times in number arrays (V8 keeps
 * them unboxed), prices and quantities the exchange's own strings. Nothing is built per tick
 * until the flush packs a column into the script's one argument: per-tick strings held for the
 * ~100 ms of a bulk window outlived two young-generation collections, were copied and promoted
 * each time, and garbage collection was a third of the feed's CPU.
 */

/** A tick as the price record stores it. */
export interface QueuedTick {
  readonly seq: number;
  readonly time: number;
  readonly price: string;
}

export class TickColumns {
  private seqs: number[] = [];
  private times: number[] = [];
  private prices: string[] = [];
  private sorted = true;
  /** Latest exchange time among the queued ticks (-1: none). */
  maxTime = -1;

  get length(): number {
    return this.seqs.length;
  }

  add(seq: number, time: number, price: string): void {
    const n = this.seqs.length;
    if (n > 0 && seq < this.seqs[n - 1]!) this.sorted = false;
    if (time > this.maxTime) this.maxTime = time;
    this.seqs.push(seq);
    this.times.push(time);
    this.prices.push(price);
  }

  /** The tick with the highest seq (the last of equal ones), or null. */
  newest(): QueuedTick | null {
    let best = -1;
    for (let i = 0; i < this.seqs.length; i++) if (best < 0 || this.seqs[i]! >= this.seqs[best]!) best = i;
    return best < 0 ? null : { seq: this.seqs[best]!, time: this.times[best]!, price: this.prices[best]! };
  }

  /** Ticks `[from, to)` in ascending seq as `<seq>|<time>|<price>`, joined by single spaces. */
  packed(from: number, to: number): string {
    this.sort();
    const parts: (string | number)[] = [];
    for (let i = from; i < to; i++) {
      if (i > from) parts.push(' ');
      parts.push(this.seqs[i]!, '|', this.times[i]!, '|', this.prices[i]!);
    }
    return parts.join('');
  }

  /** Drops the oldest half (by seq); returns how many went. */
  shedOldestHalf(): number {
    const drop = this.seqs.length >> 1;
    if (drop === 0) return 0;
    this.sort();
    this.seqs = this.seqs.slice(drop);
    this.times = this.times.slice(drop);
    this.prices = this.prices.slice(drop);
    return drop;
  }

  /** Ascending seq, stable (equal seqs keep their order; the script ignores the repeats). */
  private sort(): void {
    if (this.sorted) return;
    const order = stableOrder(this.seqs);
    this.seqs = order.map((i) => this.seqs[i]!);
    this.times = order.map((i) => this.times[i]!);
    this.prices = order.map((i) => this.prices[i]!);
    this.sorted = true;
  }
}

/** A trade as the recent-trades list stores it. */
export interface QueuedTrade {
  readonly id: number;
  readonly time: number;
  readonly price: string;
  readonly quantity: string;
  readonly side: 'buy' | 'sell';
}

export class TradeColumns {
  private ids: number[] = [];
  private times: number[] = [];
  private prices: string[] = [];
  private quantities: string[] = [];
  private sells: boolean[] = [];
  private sorted = true;

  get length(): number {
    return this.ids.length;
  }

  add(t: QueuedTrade): void {
    const n = this.ids.length;
    if (n > 0 && t.id < this.ids[n - 1]!) this.sorted = false;
    this.ids.push(t.id);
    this.times.push(t.time);
    this.prices.push(t.price);
    this.quantities.push(t.quantity);
    this.sells.push(t.side === 'sell');
  }

  /** The trade with the highest id, or null. */
  newest(): QueuedTrade | null {
    let best = -1;
    for (let i = 0; i < this.ids.length; i++) if (best < 0 || this.ids[i]! > this.ids[best]!) best = i;
    if (best < 0) return null;
    return {
      id: this.ids[best]!,
      time: this.times[best]!,
      price: this.prices[best]!,
      quantity: this.quantities[best]!,
      side: this.sells[best]! ? 'sell' : 'buy',
    };
  }

  /**
   * Trades `[from, to)` in ascending id as list elements `<id>|<time>|<price>|<qty>|<b|s>` (the
   * record codec's form), joined by single spaces.
   */
  packed(from: number, to: number): string {
    this.sort();
    const parts: (string | number)[] = [];
    for (let i = from; i < to; i++) {
      if (i > from) parts.push(' ');
      parts.push(this.ids[i]!, '|', this.times[i]!, '|', this.prices[i]!, '|', this.quantities[i]!);
      parts.push(this.sells[i]! ? '|s' : '|b');
    }
    return parts.join('');
  }

  private sort(): void {
    if (this.sorted) return;
    const order = stableOrder(this.ids);
    this.ids = order.map((i) => this.ids[i]!);
    this.times = order.map((i) => this.times[i]!);
    this.prices = order.map((i) => this.prices[i]!);
    this.quantities = order.map((i) => this.quantities[i]!);
    this.sells = order.map((i) => this.sells[i]!);
    this.sorted = true;
  }
}

/** Indexes of `keys` in ascending key order, equal keys in their original order. */
function stableOrder(keys: readonly number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}
