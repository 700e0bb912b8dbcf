/**
 * One side of a local order book: levels kept sorted (bids highest first, asks lowest first)
 * in an array, found by binary search with exact decimal comparison. At 1,000-5,000 levels a
 * splice is a short memmove, cheaper than a tree, and top(n) is a slice.
 */
import { compare, type Decimal } from '../decimal/index.ts';
import type { BookLevel } from './types.ts';

/** A validated level: the strings as received plus the parsed price. */
export interface ParsedLevel {
  readonly price: string;
  readonly quantity: string;
  readonly value: Decimal;
  /** Quantity is zero (`"0"`, `"0.00000000"`): the level goes away. */
  readonly remove: boolean;
}

interface Level {
  readonly price: string;
  quantity: string;
  readonly value: Decimal;
}

/** One side of the book; `descending` for bids. */
export class BookSide {
  private levels: Level[] = [];

  constructor(private readonly descending: boolean) {}

  /** Number of price levels. */
  get size(): number {
    return this.levels.length;
  }

  /** Index of `price`, or `-(insertion point) - 1` when absent. */
  private search(price: Decimal): number {
    const levels = this.levels;
    let lo = 0;
    let hi = levels.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compare(levels[mid]!.value, price);
      const order = this.descending ? -c : c;
      if (order < 0) lo = mid + 1;
      else if (order > 0) hi = mid - 1;
      else return mid;
    }
    return -(lo + 1);
  }

  /** Sets, replaces or (quantity zero) removes a level; removing an absent level is a no-op. */
  update(level: ParsedLevel): void {
    const at = this.search(level.value);
    if (at >= 0) {
      if (level.remove) this.levels.splice(at, 1);
      else this.levels[at]!.quantity = level.quantity;
    } else if (!level.remove) {
      this.levels.splice(-at - 1, 0, { price: level.price, quantity: level.quantity, value: level.value });
    }
  }

  /** Replaces the side with a snapshot's levels (sorted here: the body's order is not trusted). */
  load(levels: readonly ParsedLevel[]): void {
    const kept = levels
      .filter((l) => !l.remove)
      .map((l) => ({ price: l.price, quantity: l.quantity, value: l.value }));
    kept.sort((a, b) => (this.descending ? compare(b.value, a.value) : compare(a.value, b.value)));
    // A repeated price keeps its last quantity, as applying the levels in order would.
    const unique: Level[] = [];
    for (const level of kept) {
      const last = unique[unique.length - 1];
      if (last && compare(last.value, level.value) === 0) unique[unique.length - 1] = level;
      else unique.push(level);
    }
    this.levels = unique;
  }

  clear(): void {
    this.levels = [];
  }

  /** The best `n` levels, best first, as `[price, quantity]` strings as the exchange sent them. */
  top(n: number): BookLevel[] {
    const out: BookLevel[] = [];
    const end = Math.min(n, this.levels.length);
    for (let i = 0; i < end; i++) {
      const level = this.levels[i]!;
      out.push([level.price, level.quantity]);
    }
    return out;
  }

  /** The best level, or undefined when the side is empty. */
  best(): BookLevel | undefined {
    const level = this.levels[0];
    return level ? [level.price, level.quantity] : undefined;
  }
}
