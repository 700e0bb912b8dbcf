/**
 * Stream names the simulated exchange serves, in Binance's spelling: lower-case symbol, then
 * the stream type (`btcusdt@aggTrade`, `btcusdt@depth@100ms`), or a market-wide `!miniTicker@arr`.
 */

/** What a stream carries. `depth` is the 1000 ms diff stream, `depth@100ms` the fast one. */
export type StreamKind =
  | 'aggTrade'
  | 'bookTicker'
  | 'depth'
  | 'depth@100ms'
  | 'miniTicker'
  | '!miniTicker@arr';

/** A parsed stream name; `symbol` is upper-case, absent for market-wide streams. */
export interface StreamName {
  readonly name: string;
  readonly kind: StreamKind;
  readonly symbol?: string;
}

const SYMBOL_KINDS = new Set<string>(['aggTrade', 'bookTicker', 'depth', 'depth@100ms', 'miniTicker']);
const SYMBOL = /^[a-z0-9_]{1,20}$/;

/** Most streams one connection may carry, as on Binance. */
export const MAX_STREAMS_PER_CONNECTION = 1024;

/** Parses a stream name; null when it is not one this server knows (the caller answers the error). */
export function parseStreamName(name: string): StreamName | null {
  if (name === '!miniTicker@arr') return { name, kind: '!miniTicker@arr' };
  const at = name.indexOf('@');
  if (at <= 0) return null;
  const symbol = name.slice(0, at);
  const kind = name.slice(at + 1);
  if (!SYMBOL.test(symbol) || !SYMBOL_KINDS.has(kind)) return null;
  return { name, kind: kind as StreamKind, symbol: symbol.toUpperCase() };
}
