/**
 * Query-string validation with Binance's error codes and messages, so a client's error
 * handling is exercised against the same bodies the real exchange sends.
 */
import type { KlineInterval, MarketType } from '../../trading/index.ts';
import { isInterval } from '../../trading/index.ts';
import type { SymbolDef, Universe } from './universe.ts';

/** An error answered as `{code, msg}` with an HTTP status, like the real exchange. */
export class BinanceApiError extends Error {
  readonly status: number;
  readonly code: number;

  constructor(status: number, code: number, msg: string) {
    super(msg);
    this.name = 'BinanceApiError';
    this.status = status;
    this.code = code;
  }

  /** The JSON body Binance sends for this error. */
  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

const SYMBOL_PATTERN = /^[A-Z0-9\-_.]{1,20}$/;

const mandatory = (name: string) =>
  new BinanceApiError(
    400,
    -1102,
    `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
  );
const illegal = (name: string, range: string) =>
  new BinanceApiError(
    400,
    -1100,
    `Illegal characters found in parameter '${name}'; legal range is '${range}'.`,
  );
const invalidSymbol = () => new BinanceApiError(400, -1121, 'Invalid symbol.');

function checkSymbolName(name: string, param: string): void {
  if (!SYMBOL_PATTERN.test(name)) throw illegal(param, '^[A-Z0-9-_.]{1,20}$');
}

/** The `symbol` parameter resolved to a listed symbol; null when absent and optional. */
export function symbolParam(
  q: URLSearchParams,
  universe: Universe,
  market: MarketType,
  required: true,
): SymbolDef;
export function symbolParam(
  q: URLSearchParams,
  universe: Universe,
  market: MarketType,
  required: false,
): SymbolDef | null;
export function symbolParam(
  q: URLSearchParams,
  universe: Universe,
  market: MarketType,
  required: boolean,
): SymbolDef | null {
  const raw = q.get('symbol');
  if (raw === null || raw === '') {
    if (required) throw mandatory('symbol');
    return null;
  }
  checkSymbolName(raw, 'symbol');
  const def = universe.find(market, raw);
  if (!def) throw invalidSymbol();
  return def;
}

/** The `symbols=["A","B"]` parameter (JSON array, URL-encoded); null when absent. */
export function symbolsParam(q: URLSearchParams, universe: Universe, market: MarketType): SymbolDef[] | null {
  const raw = q.get('symbols');
  if (raw === null) return null;
  if (q.get('symbol') !== null) {
    throw new BinanceApiError(400, -1128, 'Combination of optional parameters invalid.');
  }
  let names: unknown;
  try {
    names = JSON.parse(raw);
  } catch {
    throw illegal('symbols', '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$');
  }
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    throw mandatory('symbols');
  }
  return (names as string[]).map((name) => {
    checkSymbolName(name, 'symbols');
    const def = universe.find(market, name);
    if (!def) throw invalidSymbol();
    return def;
  });
}

/** The mandatory `interval` parameter. */
export function intervalParam(q: URLSearchParams, market: MarketType): KlineInterval {
  const raw = q.get('interval');
  if (raw === null || raw === '') throw mandatory('interval');
  if (!isInterval(raw, market)) throw new BinanceApiError(400, -1120, 'Invalid interval.');
  return raw;
}

/** `limit`: default when absent, capped at `max`, error -1130 when not a positive integer. */
export function limitParam(q: URLSearchParams, defaultLimit: number, max: number): number {
  const raw = q.get('limit');
  if (raw === null || raw === '') return defaultLimit;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new BinanceApiError(400, -1130, "Data sent for parameter 'limit' is not valid.");
  }
  return Math.min(value, max);
}

/** A timestamp parameter in ms; values with 16+ digits are microseconds (accepted since 2024-12). */
export function timeParam(q: URLSearchParams, name: 'startTime' | 'endTime'): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,20}$/.test(raw)) throw illegal(name, '^[0-9]{1,20}$');
  const value = Number(raw);
  return value >= 1e15 ? Math.floor(value / 1000) : value;
}

/** startTime and endTime together, rejecting a reversed range (-1023 as futures answer). */
export function timeRange(q: URLSearchParams): { startTime?: number; endTime?: number } {
  const startTime = timeParam(q, 'startTime');
  const endTime = timeParam(q, 'endTime');
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
    throw new BinanceApiError(400, -1023, 'Start time is greater than end time.');
  }
  return { ...(startTime === undefined ? {} : { startTime }), ...(endTime === undefined ? {} : { endTime }) };
}
