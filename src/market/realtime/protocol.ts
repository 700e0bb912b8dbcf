/**
 * The WebSocket protocol of `GET /api/v1/ws`.
 *
 * Client → server: `{ "op": "subscribe" | "unsubscribe", "channels": [...] }` (and `{ "op": "ping" }`).
 * Server → client: `{ "op": "subscribed" | "unsubscribed", "channels": [...] }`, `{ "op": "pong" }`,
 * data `{ "channel", "data" }`, errors `{ "error": { "code", "message" } }` (the socket stays open).
 *
 * Channels: `price:<S>`, `book:<S>`, `trades:<S>`, `candles:<S>:<interval>` (spot; append
 * `@futures` to the symbol for USDⓈ-M futures, e.g. `price:BTCUSDT@futures`) and `alerts` (the
 * caller's notifications; needs credentials, as every channel but `price:`).
 */

import { isSymbol, type MarketType } from '../../trading/index.ts';
import { CANDLE_INTERVALS, type CandleInterval } from '../prices/candle-codec.ts';

export type ChannelKind = 'price' | 'book' | 'trades' | 'candles';

export type Channel =
  | { readonly name: string; readonly kind: 'alerts' }
  | {
      readonly name: string;
      readonly kind: ChannelKind;
      readonly market: MarketType;
      readonly symbol: string;
      readonly interval?: CandleInterval;
    };

export type ClientMessage =
  | { readonly op: 'subscribe' | 'unsubscribe'; readonly channels: readonly Channel[] }
  | { readonly op: 'ping' };

/** A refusal of one client message, sent as `{ error: { code, message } }`. */
export class ProtocolError extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'VALIDATION_FAILED' | 'AUTH_REQUIRED' | 'RATE_LIMITED' | 'LIMIT_EXCEEDED',
    message: string,
  ) {
    super(message);
  }
}

/** Longest channel name accepted. */
const MAX_CHANNEL_LENGTH = 64;

/** A channel name, parsed; null when it is not one. */
export function parseChannel(name: unknown): Channel | null {
  if (typeof name !== 'string' || name.length > MAX_CHANNEL_LENGTH) return null;
  if (name === 'alerts') return { name, kind: 'alerts' };
  const parts = name.split(':');
  const [kind, target = '', interval] = parts;
  const at = target.indexOf('@');
  const symbol = at === -1 ? target : target.slice(0, at);
  const suffix = at === -1 ? null : target.slice(at + 1);
  if (!isSymbol(symbol) || (suffix !== null && suffix !== 'futures')) return null;
  const market: MarketType = suffix === 'futures' ? 'futures' : 'spot';
  if (kind === 'candles') {
    if (parts.length !== 3 || !isCandleInterval(interval)) return null;
    return { name, kind, market, symbol, interval };
  }
  if ((kind === 'price' || kind === 'book' || kind === 'trades') && parts.length === 2) {
    return { name, kind, market, symbol };
  }
  return null;
}

/** One client message, or a ProtocolError saying what is wrong with it. */
export function parseClientMessage(text: string, maxChannels: number): ClientMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ProtocolError(
      'BAD_REQUEST',
      'a message must be a JSON object such as {"op":"subscribe","channels":["price:BTCUSDT"]}',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError('BAD_REQUEST', 'a message must be a JSON object');
  }
  const { op, channels } = parsed as { op?: unknown; channels?: unknown };
  if (op === 'ping') return { op };
  if (op !== 'subscribe' && op !== 'unsubscribe') {
    throw new ProtocolError('VALIDATION_FAILED', 'op must be "subscribe", "unsubscribe" or "ping"');
  }
  if (!Array.isArray(channels) || channels.length === 0 || channels.length > maxChannels) {
    throw new ProtocolError(
      'VALIDATION_FAILED',
      `channels must be a list of 1 to ${maxChannels} channel names`,
    );
  }
  const out: Channel[] = [];
  for (const name of channels) {
    const channel = parseChannel(name);
    if (!channel) {
      const shown =
        typeof name === 'string' ? JSON.stringify(name.slice(0, MAX_CHANNEL_LENGTH)) : typeof name;
      throw new ProtocolError(
        'VALIDATION_FAILED',
        `unknown channel ${shown}: use price:<SYMBOL>, book:<SYMBOL>, trades:<SYMBOL>, candles:<SYMBOL>:<interval> (symbol@futures for futures) or alerts`,
      );
    }
    if (!out.some((c) => c.name === channel.name)) out.push(channel);
  }
  return { op, channels: out };
}

/** The channel name a market update goes out on. */
export function channelName(
  kind: ChannelKind,
  market: MarketType,
  symbol: string,
  interval?: string,
): string {
  const target = market === 'futures' ? `${symbol}@futures` : symbol;
  return interval === undefined ? `${kind}:${target}` : `${kind}:${target}:${interval}`;
}

function isCandleInterval(value: unknown): value is CandleInterval {
  return (CANDLE_INTERVALS as readonly unknown[]).includes(value);
}
