/**
 * Writing responses the way Binance does: JSON bodies, the used-weight headers on every
 * answer, and the exact -1003 bodies for 429 and 418.
 */
import type { ServerResponse } from 'node:http';

/** Sends a JSON (or pre-serialised) body with the weight headers when known. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extraHeaders: Record<string, string | number> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}

/** `X-MBX-USED-WEIGHT-1M` and its legacy twin. */
export function weightHeaders(used: number): Record<string, string> {
  return { 'X-MBX-USED-WEIGHT-1M': String(used), 'X-MBX-USED-WEIGHT': String(used) };
}

/** Body of the 429 answer (errors.md template). */
export function tooMuchWeightBody(limit: number): { code: number; msg: string } {
  return {
    code: -1003,
    msg: `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
  };
}

/** Body of the 418 answer; the ban end is a 13-digit ms epoch, as in real logs. */
export function bannedBody(until: number): { code: number; msg: string } {
  return {
    code: -1003,
    msg: `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
  };
}

/** Body of the generic 500 answer. */
export const UNKNOWN_ERROR_BODY = {
  code: -1000,
  msg: 'An unknown error occurred while processing the request.',
};
