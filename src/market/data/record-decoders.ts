/**
 * Reading the stored records back. A value that is not ours (written by hand, or by an older
 * version) reads as null rather than as a wrong answer.
 */
import { decodeRecord } from './record-codec.ts';
import type { BookTicker, PremiumIndex, PricePoint, Stats24h, StoredOrderBook, SymbolInfo } from './types.ts';

export function decodePrice(value: string | null): PricePoint | null {
  const r = decodeRecord(value);
  if (!r || r.time === null || r.payload === '') return null;
  return { price: r.payload, time: r.time };
}

export function decodeBookTicker(value: string | null): BookTicker | null {
  const r = decodeRecord(value);
  if (!r) return null;
  const [bidPrice, bidQty, askPrice, askQty, extra] = r.payload.split('|');
  if (bidPrice === undefined || bidQty === undefined || askPrice === undefined || askQty === undefined)
    return null;
  if (extra !== undefined) return null;
  return { bidPrice, bidQty, askPrice, askQty, time: r.time };
}

export function decodeOrderBook(value: string | null): StoredOrderBook | null {
  const parsed = decodeJson<{ u: number; b: [string, string][]; a: [string, string][] }>(value);
  if (!parsed || !Array.isArray(parsed.json.b) || !Array.isArray(parsed.json.a)) return null;
  return { lastUpdateId: parsed.json.u, bids: parsed.json.b, asks: parsed.json.a, time: parsed.time };
}

export function decodeStats24h(value: string | null): Stats24h | null {
  return decodeJson<Stats24h>(value)?.json ?? null;
}

export function decodePremiumIndex(value: string | null): PremiumIndex | null {
  const parsed = decodeJson<Omit<PremiumIndex, 'time'>>(value);
  return parsed ? { ...parsed.json, time: parsed.time } : null;
}

export function decodeSymbolInfo(value: string | null): SymbolInfo | null {
  return decodeJson<SymbolInfo>(value)?.json ?? null;
}

function decodeJson<T>(value: string | null): { json: T; time: number | null } | null {
  const r = decodeRecord(value);
  if (!r) return null;
  try {
    const json = JSON.parse(r.payload) as T;
    return json && typeof json === 'object' ? { json, time: r.time } : null;
  } catch {
    return null;
  }
}
