import { type ErrorCode, ErrorCodes, TradecacheError } from '../../errors.ts';
import type { MarketType } from '../../trading/index.ts';
import { isRecord } from './shape.ts';

/**
 * Binance error bodies (`{"code": -1121, "msg": "Invalid symbol."}`) and HTTP statuses →
 * typed TradecacheErrors. Messages stay one line and never quote a body or a URL.
 */

/** Which request failed; goes into every error's context. */
export interface RequestFacts {
  readonly market: MarketType;
  /** Path below the market prefix, e.g. `klines` or `ticker/price`. */
  readonly endpoint: string;
}

export interface BinanceErrorBody {
  readonly code: number;
  readonly msg: string;
}

/** Longest Binance `msg` we copy into a message; real ones are under 200 characters. */
const MAX_MSG_LENGTH = 200;

/** The `{code, msg}` of an error body, or null when the body is something else (HTML, empty). */
export function parseBinanceErrorBody(text: string): BinanceErrorBody | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(json) || typeof json.code !== 'number') return null;
  return { code: json.code, msg: typeof json.msg === 'string' ? json.msg : '' };
}

/** Binance codes that mean "try later", whatever the HTTP status (errors.md). */
const TRANSIENT_CODES = new Set([-1000, -1007, -1008]);

function codeFor(status: number, binanceCode: number | undefined): ErrorCode {
  if (status === 418) return ErrorCodes.EXCHANGE_IP_BANNED;
  if (status === 429 || binanceCode === -1003) return ErrorCodes.EXCHANGE_RATE_LIMITED;
  if (binanceCode === -1121) return ErrorCodes.EXCHANGE_INVALID_SYMBOL;
  if (binanceCode === -1120) return ErrorCodes.EXCHANGE_INVALID_INTERVAL;
  if (status >= 500 || (binanceCode !== undefined && TRANSIENT_CODES.has(binanceCode))) {
    return ErrorCodes.EXCHANGE_UNAVAILABLE;
  }
  // -1100, -1102, -1105, -1128, -1130, -1023, 403 (WAF) and every other 4xx.
  if (status >= 400) return ErrorCodes.EXCHANGE_BAD_REQUEST;
  return ErrorCodes.EXCHANGE_UNAVAILABLE;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MSG_LENGTH ? `${flat.slice(0, MAX_MSG_LENGTH)}…` : flat;
}

/** The error for a non-2xx response; `extra` adds context such as `retryAfterSec`. */
export function errorFromResponse(
  status: number,
  bodyText: string,
  facts: RequestFacts,
  extra: Record<string, unknown> = {},
): TradecacheError {
  const body = parseBinanceErrorBody(bodyText);
  const code = codeFor(status, body?.code);
  const detail = body ? ` ${body.code} ${oneLine(body.msg)}` : '';
  return new TradecacheError(
    code,
    `Binance ${facts.market} ${facts.endpoint} failed: HTTP ${status}${detail}`.trimEnd(),
    { context: { ...facts, status, binanceCode: body?.code ?? null, ...extra } },
  );
}

/** Adds the request facts to an error raised while reading a body (the parsers do not know them). */
export function withRequestFacts(err: TradecacheError, facts: RequestFacts, status: number): TradecacheError {
  return new TradecacheError(err.code, `${err.message} (${facts.market} ${facts.endpoint})`, {
    context: { ...err.context, ...facts, status },
    cause: err,
  });
}
