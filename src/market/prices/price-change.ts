/**
 * Our own price change over a period, exact: the difference keeps every digit (scaled BigInt,
 * never a float); only the percentage is rounded, to {@link CHANGE_PERCENT_PLACES} places half
 * away from zero, as the exchange prints its own `priceChangePercent`.
 */

import type { PricePoint } from '../data/types.ts';
import { percentChange, subtractDecimals } from '../decimal/index.ts';

/** Fraction digits of `changePercent`. */
export const CHANGE_PERCENT_PLACES = 3;

export interface PriceChange {
  /** The reference price: the last one at or before `now − period`. */
  readonly price: string;
  /** Its exchange time. */
  readonly time: number;
  /** current − reference, exact. */
  readonly change: string;
  /** (current − reference) / reference × 100, rounded; null when the reference is zero. */
  readonly changePercent: string | null;
}

export function priceChange(current: PricePoint, reference: PricePoint): PriceChange {
  const zero = /^0+(\.0+)?$/.test(reference.price);
  return {
    price: reference.price,
    time: reference.time,
    change: subtractDecimals(current.price, reference.price),
    changePercent: zero ? null : percentChange(reference.price, current.price, CHANGE_PERCENT_PLACES),
  };
}

/** A series member `<time>:<price>` as a point (the score is the time too). */
export function decodeTick(member: string): PricePoint | null {
  const colon = member.indexOf(':');
  if (colon <= 0) return null;
  const time = Number(member.slice(0, colon));
  return Number.isSafeInteger(time) ? { time, price: member.slice(colon + 1) } : null;
}
