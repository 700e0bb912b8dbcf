/**
 * One client socket of the simulated stream server: its subscriptions, its live control
 * messages (`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`/`GET_PROPERTY`
 * `combined`) and Binance's incoming-message limit (pings, pongs and control messages alike;
 * past it the socket is closed).
 */
import type { RawData, WebSocket } from 'ws';
import { MAX_STREAMS_PER_CONNECTION, parseStreamName } from './names.ts';

/** What a session asks of its hub. */
export interface SessionHost {
  subscribe(session: StreamSession, names: readonly string[]): void;
  unsubscribe(session: StreamSession, names: readonly string[]): void;
  /** True while a `streamSilent` fault holds: control messages go unanswered. */
  silent(): boolean;
}

const WINDOW_MS = 1000;

/** Binance's control error: code 0 unknown property, 1 invalid value type, 2 invalid request, 3 invalid JSON. */
function errorBody(code: number, msg: string, id: unknown): string {
  return JSON.stringify({ error: { code, msg }, id: id ?? null });
}

/** One connected client. */
export class StreamSession {
  readonly streams = new Set<string>();
  /** Real time (not the market clock) of the last pong, for the liveness check. */
  lastPongAt = Date.now();
  #combined: boolean;
  readonly #incoming: number[] = [];

  constructor(
    readonly ws: WebSocket,
    private readonly host: SessionHost,
    combined: boolean,
    private readonly maxIncomingPerSecond: number,
  ) {
    this.#combined = combined;
  }

  get combined(): boolean {
    return this.#combined;
  }

  /** Sends one payload, wrapped when the socket is a combined stream. */
  send(combinedText: string, rawText: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(this.#combined ? combinedText : rawText);
  }

  /** Counts an incoming frame; false (and the socket closed) past the per-second limit. */
  countIncoming(): boolean {
    const now = Date.now();
    while (this.#incoming.length > 0 && (this.#incoming[0] ?? 0) <= now - WINDOW_MS) this.#incoming.shift();
    this.#incoming.push(now);
    if (this.#incoming.length <= this.maxIncomingPerSecond) return true;
    this.ws.close(1008, 'Too many requests');
    return false;
  }

  /** Handles a text frame from the client. */
  onMessage(data: RawData): void {
    if (!this.countIncoming() || this.host.silent()) return;
    let request: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(data.toString());
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      request = parsed as Record<string, unknown>;
    } catch {
      this.ws.send(errorBody(3, 'Invalid JSON: expected an object', null));
      return;
    }
    const { id, method, params } = request;
    if (
      !(id === null || (typeof id === 'number' && Number.isInteger(id) && id >= 0) || typeof id === 'string')
    ) {
      this.ws.send(errorBody(2, 'Invalid request: request ID must be an unsigned integer', null));
      return;
    }
    for (const key of Object.keys(request)) {
      if (key !== 'id' && key !== 'method' && key !== 'params') {
        this.ws.send(errorBody(0, `Unknown property: ${key}`, id));
        return;
      }
    }
    const answer = this.#answer(method, params, id);
    if (answer !== undefined) this.ws.send(answer);
  }

  #answer(method: unknown, params: unknown, id: unknown): string {
    const result = (value: unknown) => JSON.stringify({ result: value, id });
    switch (method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) {
          return errorBody(1, 'Invalid value type: expected an array of stream names', id);
        }
        const names = params as string[];
        const bad = names.find((n) => parseStreamName(n) === null);
        if (bad !== undefined)
          return errorBody(2, `Invalid request: unknown stream ${JSON.stringify(bad)}`, id);
        if (method === 'UNSUBSCRIBE') {
          this.host.unsubscribe(this, names);
          return result(null);
        }
        const added = new Set([...this.streams, ...names]);
        if (added.size > MAX_STREAMS_PER_CONNECTION) {
          return errorBody(
            2,
            `Invalid request: at most ${MAX_STREAMS_PER_CONNECTION} streams per connection`,
            id,
          );
        }
        this.host.subscribe(this, names);
        return result(null);
      }
      case 'LIST_SUBSCRIPTIONS':
        return result([...this.streams]);
      case 'SET_PROPERTY':
        if (!Array.isArray(params) || params[0] !== 'combined' || typeof params[1] !== 'boolean') {
          return errorBody(1, 'Invalid value type: expected ["combined", boolean]', id);
        }
        this.#combined = params[1];
        return result(null);
      case 'GET_PROPERTY':
        if (!Array.isArray(params) || params[0] !== 'combined') return errorBody(0, 'Unknown property', id);
        return result(this.#combined);
      default:
        return errorBody(2, 'Invalid request: unknown method', id);
    }
  }
}
