/**
 * One combined-stream WebSocket (`<base>/stream?streams=...`) that stays up: it reconnects with
 * full-jitter exponential backoff and resubscribes, answers pings (ws does), drops a socket on
 * which nothing (no frame, no ping, no pong to our own idle ping) arrived for the liveness
 * timeout, and replaces itself before Binance's 24 h cut-off, opening the new socket before
 * closing the old one. Nothing here throws out of a socket handler.
 */
import WebSocket from 'ws';
import { fullJitterDelay } from '../../../backoff.ts';
import { parseStreamPayload, type StreamEvent } from './events.ts';
import { SubscriptionSync } from './subscriptions.ts';

/** Where a connection is. `disconnected` and `reconnecting` mean its streams are not flowing. */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'closed';

/** A state change, with the delay before the next attempt when reconnecting. */
export interface StateChange {
  readonly state: ConnectionState;
  readonly attempt?: number;
  readonly delayMs?: number;
  readonly reason?: string;
}

/** Timings and hooks of one connection (resolved defaults: see `client.ts`). */
export interface ConnectionSettings {
  readonly baseUrl: string;
  readonly livenessTimeoutMs: number;
  readonly maxConnectionAgeMs: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  readonly controlMessagesPerSecond: number;
  readonly random: () => number;
  onEvent(event: StreamEvent): void;
  onRejected(reason: string): void;
  onState(change: StateChange): void;
}

/** Longest URL built; streams beyond it are subscribed with control messages after the open. */
const MAX_URL_LENGTH = 4000;

/** A self-healing stream connection. Call `open()` to start; `close()` to stop for good. */
export class StreamConnection {
  readonly #s: ConnectionSettings;
  readonly #subs: SubscriptionSync;
  #ws: WebSocket | null = null;
  /** The replacement socket while rotating before the 24 h cut-off. */
  #next: WebSocket | null = null;
  #state: ConnectionState = 'connecting';
  #attempt = 0;
  #lastFrameAt = 0;
  #pinged = false;
  #closed = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #livenessTimer: NodeJS.Timeout | null = null;
  #ageTimer: NodeJS.Timeout | null = null;

  constructor(settings: ConnectionSettings) {
    this.#s = settings;
    this.#subs = new SubscriptionSync(settings.controlMessagesPerSecond);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Streams this connection is asked to carry. */
  get streams(): ReadonlySet<string> {
    return this.#subs.desired;
  }

  open(): void {
    if (!this.#closed && !this.#ws && !this.#retryTimer) this.#connect();
  }

  /** Adds or removes streams; resolves once the server carries (or dropped) them. */
  change(names: readonly string[], subscribed: boolean): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#subs.change(names, subscribed);
  }

  /** Closes the socket for good; resolves once it is closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    this.#subs.abandon('stream connection closed');
    const sockets = [this.#ws, this.#next].filter((w): w is WebSocket => w !== null);
    this.#ws = null;
    this.#next = null;
    await Promise.all(sockets.map(closeSocket));
    this.#setState({ state: 'closed' });
  }

  #url(): { url: string; carried: string[] } {
    const carried: string[] = [];
    let url = `${this.#s.baseUrl}/stream?streams=`;
    for (const name of this.#subs.desired) {
      const part = (carried.length === 0 ? '' : '/') + encodeURIComponent(name).replace(/%40/g, '@');
      if (url.length + part.length > MAX_URL_LENGTH) break;
      url += part;
      carried.push(name);
    }
    return { url, carried };
  }

  #connect(): void {
    const { url, carried } = this.#url();
    const ws = new WebSocket(url, { handshakeTimeout: this.#s.livenessTimeoutMs });
    this.#ws = ws;
    this.#listen(ws, carried, false);
  }

  /** Wires a socket; `rotating` sockets take over from the current one once they open. */
  #listen(ws: WebSocket, carried: string[], rotating: boolean): void {
    let hadData = false;
    ws.on('open', () => {
      if (this.#closed) return;
      if (rotating) {
        if (this.#next !== ws) return;
        const old = this.#ws;
        this.#next = null;
        this.#ws = ws;
        if (old) void closeSocket(old);
      }
      this.#lastFrameAt = Date.now();
      this.#pinged = false;
      this.#subs.attach(carried, (text) => ws.send(text));
      this.#startLiveness();
      this.#ageTimer = setTimeout(() => this.#rotate(), this.#s.maxConnectionAgeMs);
      this.#setState({ state: 'connected' });
    });
    ws.on('message', (data, isBinary) => {
      if (ws !== this.#ws) return;
      this.#alive();
      if (this.#onMessage(isBinary ? null : data.toString()) && !hadData) {
        hadData = true;
        // A connection that delivers data is healthy: the next failure starts the backoff afresh.
        this.#attempt = 0;
      }
    });
    ws.on('ping', () => ws === this.#ws && this.#alive());
    ws.on('pong', () => ws === this.#ws && this.#alive());
    ws.on('error', () => {
      // 'close' follows every 'error'; the reason is logged there.
    });
    ws.on('close', (code) => {
      if (rotating && this.#next === ws) {
        this.#next = null;
        if (this.#closed) return;
        // The replacement failed: keep the current socket and try again a minute later, or,
        // when the current one died meanwhile, fall back to the ordinary reconnect.
        if (this.#ws) this.#ageTimer = setTimeout(() => this.#rotate(), 60_000);
        else this.#lost(`replacement socket closed (code ${code})`);
        return;
      }
      if (ws !== this.#ws || this.#closed) return;
      this.#ws = null;
      this.#lost(`socket closed (code ${code})`);
    });
  }

  /** The socket is gone: report it, then retry after a jittered, growing delay. */
  #lost(reason: string): void {
    this.#clearTimers();
    this.#subs.detach();
    if (this.#state === 'connected') this.#setState({ state: 'disconnected', reason });
    // A replacement is already on its way (rotation): it takes over when it opens.
    if (this.#next) return;
    const attempt = this.#attempt++;
    const delayMs = fullJitterDelay(attempt, this.#s.backoffBaseMs, this.#s.backoffCapMs, this.#s.random);
    this.#setState({ state: 'reconnecting', attempt: attempt + 1, delayMs, reason });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#closed) this.#connect();
    }, delayMs);
  }

  /** Before the 24 h cut-off: a fresh socket with the same streams, then the old one closes. */
  #rotate(): void {
    this.#ageTimer = null;
    if (this.#closed || !this.#ws || this.#next) return;
    const { url, carried } = this.#url();
    const ws = new WebSocket(url, { handshakeTimeout: this.#s.livenessTimeoutMs });
    this.#next = ws;
    this.#listen(ws, carried, true);
  }

  #alive(): void {
    this.#lastFrameAt = Date.now();
    this.#pinged = false;
  }

  /** Half-way through the liveness timeout we ping; at its end the socket is dropped. */
  #startLiveness(): void {
    if (this.#livenessTimer) clearInterval(this.#livenessTimer);
    const timeout = this.#s.livenessTimeoutMs;
    this.#livenessTimer = setInterval(
      () => {
        const ws = this.#ws;
        if (!ws || ws.readyState !== WebSocket.OPEN) return;
        const idle = Date.now() - this.#lastFrameAt;
        if (idle >= timeout) {
          ws.terminate();
          return;
        }
        if (idle >= timeout / 2 && !this.#pinged) {
          this.#pinged = true;
          ws.ping();
        }
      },
      Math.max(10, Math.floor(timeout / 4)),
    );
  }

  /** Parses and dispatches one frame; true when it was a stream event. Never throws. */
  #onMessage(text: string | null): boolean {
    let event: StreamEvent;
    try {
      if (text === null) throw new Error('binary frame');
      const msg: unknown = JSON.parse(text);
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new Error('not an object');
      const record = msg as Record<string, unknown>;
      if ('id' in record && ('result' in record || 'error' in record)) {
        if (!this.#subs.reply(record.id, record.error)) throw new Error('reply to an unknown request id');
        return false;
      }
      if (typeof record.stream !== 'string') throw new Error('no stream name');
      event = parseStreamPayload(record.stream, record.data);
    } catch (err) {
      this.#s.onRejected(err instanceof Error ? err.message : String(err));
      return false;
    }
    try {
      this.#s.onEvent(event);
    } catch (err) {
      // A listener's bug is not a malformed message, and must not kill the socket handler.
      this.#s.onRejected(`listener failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    return true;
  }

  #setState(change: StateChange): void {
    this.#state = change.state;
    try {
      this.#s.onState(change);
    } catch {
      // Same rule as event listeners: never out of the socket handler.
    }
  }

  #clearTimers(): void {
    for (const timer of [this.#retryTimer, this.#ageTimer]) if (timer) clearTimeout(timer);
    if (this.#livenessTimer) clearInterval(this.#livenessTimer);
    this.#retryTimer = null;
    this.#ageTimer = null;
    this.#livenessTimer = null;
  }
}

/** Closes a socket politely, and terminates it if the close handshake does not finish in 1 s. */
function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => ws.terminate(), 1000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000);
  });
}
