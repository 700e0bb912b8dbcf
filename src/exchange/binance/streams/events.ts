/**
 * Typed Binance market-stream events and their strict parsers. Prices and quantities stay the
 * exchange's decimal strings; ids and times are JSON integers. A payload that is not as
 * documented throws EXCHANGE_BAD_RESPONSE, which the connection counts and skips.
 */
import {
  badResponse,
  expectArray,
  expectBoolean,
  expectDecimal,
  expectInteger,
  expectName,
  expectRecord,
  expectString,
  type JsonRecord,
} from '../shape.ts';

/** `<symbol>@miniTicker` and each element of `!miniTicker@arr`: the rolling 24 h window. */
export interface MiniTicker {
  readonly E: number;
  readonly s: string;
  /** Close (last) price. */
  readonly c: string;
  readonly o: string;
  readonly h: string;
  readonly l: string;
  /** Base-asset volume. */
  readonly v: string;
  /** Quote-asset volume. */
  readonly q: string;
}

/** `<symbol>@aggTrade`: one taker order, standing for trades `f..l`. */
export interface AggTrade {
  readonly E: number;
  readonly s: string;
  readonly a: number;
  readonly p: string;
  readonly q: string;
  readonly f: number;
  readonly l: number;
  readonly T: number;
  /** True when the buyer was the maker (a sell-side taker). */
  readonly m: boolean;
}

/** `<symbol>@bookTicker`: best bid/ask; futures add event and transaction times. */
export interface BookTicker {
  readonly u: number;
  readonly s: string;
  readonly b: string;
  readonly B: string;
  readonly a: string;
  readonly A: string;
  readonly E?: number;
  readonly T?: number;
}

/** A `[price, quantity]` level; quantity zero removes the level. */
export type DepthLevel = readonly [price: string, quantity: string];

/** `<symbol>@depth@100ms` / `<symbol>@depth`: book changes with update ids `U..u` (futures: `pu`, `T`). */
export interface DepthUpdate {
  readonly E: number;
  readonly s: string;
  readonly U: number;
  readonly u: number;
  readonly pu?: number;
  readonly T?: number;
  readonly b: readonly DepthLevel[];
  readonly a: readonly DepthLevel[];
}

/** `<symbol>@kline_<interval>`: the candle so far; `x` marks the message that closes it. */
export interface KlineEvent {
  readonly E: number;
  readonly s: string;
  readonly k: {
    readonly t: number;
    readonly T: number;
    readonly i: string;
    readonly f: number;
    readonly L: number;
    readonly o: string;
    readonly c: string;
    readonly h: string;
    readonly l: string;
    readonly v: string;
    readonly n: number;
    readonly x: boolean;
    readonly q: string;
    readonly V: string;
    readonly Q: string;
  };
}

/** One parsed message of a combined stream, by kind. */
export type StreamEvent =
  | { readonly stream: string; readonly kind: 'miniTicker'; readonly data: MiniTicker }
  | { readonly stream: string; readonly kind: 'miniTickers'; readonly data: readonly MiniTicker[] }
  | { readonly stream: string; readonly kind: 'aggTrade'; readonly data: AggTrade }
  | { readonly stream: string; readonly kind: 'bookTicker'; readonly data: BookTicker }
  | { readonly stream: string; readonly kind: 'depthUpdate'; readonly data: DepthUpdate }
  | { readonly stream: string; readonly kind: 'kline'; readonly data: KlineEvent };

export type StreamEventKind = StreamEvent['kind'];

function eventType(r: JsonRecord, expected: string, what: string): void {
  if (r.e !== expected) throw badResponse(`${what}.e`, `is not "${expected}"`);
}

function optionalInteger(value: unknown, what: string): number | undefined {
  return value === undefined ? undefined : expectInteger(value, what);
}

/** Parses one mini ticker. */
export function parseMiniTicker(value: unknown, what = 'miniTicker'): MiniTicker {
  const r = expectRecord(value, what);
  eventType(r, '24hrMiniTicker', what);
  return {
    E: expectInteger(r.E, `${what}.E`),
    s: expectName(r.s, `${what}.s`),
    c: expectDecimal(r.c, `${what}.c`),
    o: expectDecimal(r.o, `${what}.o`),
    h: expectDecimal(r.h, `${what}.h`),
    l: expectDecimal(r.l, `${what}.l`),
    v: expectDecimal(r.v, `${what}.v`),
    q: expectDecimal(r.q, `${what}.q`),
  };
}

/** Parses an aggTrade payload. */
export function parseAggTrade(value: unknown): AggTrade {
  const r = expectRecord(value, 'aggTrade');
  eventType(r, 'aggTrade', 'aggTrade');
  const f = expectInteger(r.f, 'aggTrade.f');
  const l = expectInteger(r.l, 'aggTrade.l');
  if (l < f) throw badResponse('aggTrade.l', 'is below f');
  return {
    E: expectInteger(r.E, 'aggTrade.E'),
    s: expectName(r.s, 'aggTrade.s'),
    a: expectInteger(r.a, 'aggTrade.a'),
    p: expectDecimal(r.p, 'aggTrade.p'),
    q: expectDecimal(r.q, 'aggTrade.q'),
    f,
    l,
    T: expectInteger(r.T, 'aggTrade.T'),
    m: expectBoolean(r.m, 'aggTrade.m'),
  };
}

/** Parses a bookTicker payload (spot has no `e`; futures say `"bookTicker"` and add `E`, `T`). */
export function parseBookTicker(value: unknown): BookTicker {
  const r = expectRecord(value, 'bookTicker');
  if (r.e !== undefined) eventType(r, 'bookTicker', 'bookTicker');
  const E = optionalInteger(r.E, 'bookTicker.E');
  const T = optionalInteger(r.T, 'bookTicker.T');
  return {
    u: expectInteger(r.u, 'bookTicker.u'),
    s: expectName(r.s, 'bookTicker.s'),
    b: expectDecimal(r.b, 'bookTicker.b'),
    B: expectDecimal(r.B, 'bookTicker.B'),
    a: expectDecimal(r.a, 'bookTicker.a'),
    A: expectDecimal(r.A, 'bookTicker.A'),
    ...(E === undefined ? {} : { E }),
    ...(T === undefined ? {} : { T }),
  };
}

function parseLevels(value: unknown, what: string): DepthLevel[] {
  return expectArray(value, what).map((level, i) => {
    const pair = expectArray(level, `${what}[${i}]`);
    if (pair.length !== 2) throw badResponse(`${what}[${i}]`, 'is not a [price, quantity] pair');
    return [expectDecimal(pair[0], `${what}[${i}][0]`), expectDecimal(pair[1], `${what}[${i}][1]`)] as const;
  });
}

/** Parses a depthUpdate payload. */
export function parseDepthUpdate(value: unknown): DepthUpdate {
  const r = expectRecord(value, 'depthUpdate');
  eventType(r, 'depthUpdate', 'depthUpdate');
  const U = expectInteger(r.U, 'depthUpdate.U');
  const u = expectInteger(r.u, 'depthUpdate.u');
  if (u < U) throw badResponse('depthUpdate.u', 'is below U');
  const pu = optionalInteger(r.pu, 'depthUpdate.pu');
  const T = optionalInteger(r.T, 'depthUpdate.T');
  return {
    E: expectInteger(r.E, 'depthUpdate.E'),
    s: expectName(r.s, 'depthUpdate.s'),
    U,
    u,
    ...(pu === undefined ? {} : { pu }),
    ...(T === undefined ? {} : { T }),
    b: parseLevels(r.b, 'depthUpdate.b'),
    a: parseLevels(r.a, 'depthUpdate.a'),
  };
}

/** Parses a kline payload. */
export function parseKlineEvent(value: unknown): KlineEvent {
  const r = expectRecord(value, 'kline');
  eventType(r, 'kline', 'kline');
  const k = expectRecord(r.k, 'kline.k');
  const dec = (key: string) => expectDecimal(k[key], `kline.k.${key}`);
  const int = (key: string) => expectInteger(k[key], `kline.k.${key}`);
  return {
    E: expectInteger(r.E, 'kline.E'),
    s: expectName(r.s, 'kline.s'),
    k: {
      t: int('t'),
      T: int('T'),
      i: expectString(k.i, 'kline.k.i'),
      f: int('f'),
      L: int('L'),
      o: dec('o'),
      c: dec('c'),
      h: dec('h'),
      l: dec('l'),
      v: dec('v'),
      n: int('n'),
      x: expectBoolean(k.x, 'kline.k.x'),
      q: dec('q'),
      V: dec('V'),
      Q: dec('Q'),
    },
  };
}

/**
 * Parses the payload of a named stream (`btcusdt@aggTrade`, `!miniTicker@arr`, ...). The kind
 * comes from the stream name, so a payload of the wrong kind is rejected too.
 */
export function parseStreamPayload(stream: string, data: unknown): StreamEvent {
  if (stream === '!miniTicker@arr') {
    const data_ = expectArray(data, 'miniTicker array').map((t, i) => parseMiniTicker(t, `miniTicker[${i}]`));
    return { stream, kind: 'miniTickers', data: data_ };
  }
  const at = stream.indexOf('@');
  const type = stream.slice(at + 1);
  const event = symbolEvent(stream, type, data);
  // A payload about another symbol than its stream names is as wrong as a malformed one.
  if (at <= 0 || event.data.s.toLowerCase() !== stream.slice(0, at)) {
    throw badResponse(`${event.kind}.s`, 'does not match the stream name');
  }
  return event;
}

function symbolEvent(
  stream: string,
  type: string,
  data: unknown,
): Exclude<StreamEvent, { kind: 'miniTickers' }> {
  if (type === 'aggTrade') return { stream, kind: 'aggTrade', data: parseAggTrade(data) };
  if (type === 'bookTicker') return { stream, kind: 'bookTicker', data: parseBookTicker(data) };
  if (type === 'miniTicker') return { stream, kind: 'miniTicker', data: parseMiniTicker(data) };
  if (type === 'depth' || type.startsWith('depth@')) {
    return { stream, kind: 'depthUpdate', data: parseDepthUpdate(data) };
  }
  if (type.startsWith('kline_')) return { stream, kind: 'kline', data: parseKlineEvent(data) };
  throw badResponse('stream', `${JSON.stringify(stream.slice(0, 64))} is not a stream this client reads`);
}
