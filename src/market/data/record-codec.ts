/**
 * The stored form of one market record: `<seq>|<time>|<payload>`. The ordering number comes
 * first so the Lua scripts read it with one pattern match, without decoding JSON; prices and
 * quantities never contain `|`, so the compact payloads below need no escaping.
 */
import type { TradeSide } from './types.ts';

export interface DecodedRecord {
  readonly seq: number;
  readonly time: number | null;
  readonly payload: string;
}

/** `<seq>|<time or empty>|<payload>`. */
export function encodeRecord(seq: number, time: number | null, payload: string): string {
  return `${seq}|${time ?? ''}|${payload}`;
}

/** The record, or null when the value is missing or not ours. */
export function decodeRecord(value: string | null): DecodedRecord | null {
  if (value === null) return null;
  const first = value.indexOf('|');
  const second = first < 0 ? -1 : value.indexOf('|', first + 1);
  if (second < 0) return null;
  const seq = Number(value.slice(0, first));
  const timeText = value.slice(first + 1, second);
  const time = timeText === '' ? null : Number(timeText);
  if (!Number.isSafeInteger(seq) || (time !== null && !Number.isSafeInteger(time))) return null;
  return { seq, time, payload: value.slice(second + 1) };
}

/** One trade list element: `<id>|<time>|<price>|<qty>|<b|s>` (id first, for the Lua check). */
export function encodeTrade(
  id: number,
  time: number,
  price: string,
  quantity: string,
  side: TradeSide,
): string {
  return `${id}|${time}|${price}|${quantity}|${side === 'buy' ? 'b' : 's'}`;
}

export function decodeTrade(value: string): {
  id: number;
  time: number;
  price: string;
  quantity: string;
  side: TradeSide;
} | null {
  const parts = value.split('|');
  if (parts.length !== 5) return null;
  const [id, time, price = '', quantity = '', side] = parts;
  return { id: Number(id), time: Number(time), price, quantity, side: side === 'b' ? 'buy' : 'sell' };
}
