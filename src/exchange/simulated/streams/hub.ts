/**
 * The stream server of one market: which sockets follow which streams, one shared source per
 * subscribed stream (so only streams with subscribers cost CPU), the 100 ms send loop, the ping
 * loop that drops clients that stop answering, and the stream faults.
 */
import type { WebSocket } from 'ws';
import type { MarketType } from '../../../trading/index.ts';
import type { FaultTable } from '../faults.ts';
import { parseStreamName } from './names.ts';
import { StreamSession } from './session.ts';
import { createSource, type SourceContext, type StreamSource } from './sources.ts';

/** Timings of a market's stream server (real time, not the market clock). */
export interface StreamTimings {
  /** How often the server pings each client. @default spot 20 s, futures 180 s (Binance's) */
  readonly pingIntervalMs?: number;
  /** A client without a pong for this long is dropped. @default spot 60 s, futures 600 s */
  readonly pongTimeoutMs?: number;
}

interface Subscription {
  readonly source: StreamSource | null;
  readonly sessions: Set<StreamSession>;
}

const TICK_MS = 100;
const DEFAULTS: Record<MarketType, Required<StreamTimings> & { maxIncoming: number }> = {
  spot: { pingIntervalMs: 20_000, pongTimeoutMs: 60_000, maxIncoming: 5 },
  futures: { pingIntervalMs: 180_000, pongTimeoutMs: 600_000, maxIncoming: 10 },
};

/** Streams of one market. */
export class StreamHub {
  readonly #ctx: SourceContext;
  readonly #now: () => number;
  readonly #faults: FaultTable;
  readonly #timings: Required<StreamTimings> & { maxIncoming: number };
  readonly #sessions = new Set<StreamSession>();
  readonly #subscriptions = new Map<string, Subscription>();
  #tickTimer: NodeJS.Timeout | null = null;
  #pingTimer: NodeJS.Timeout | null = null;

  constructor(ctx: SourceContext, now: () => number, faults: FaultTable, timings: StreamTimings = {}) {
    this.#ctx = ctx;
    this.#now = now;
    this.#faults = faults;
    this.#timings = { ...DEFAULTS[ctx.market], ...timings };
  }

  get market(): MarketType {
    return this.#ctx.market;
  }

  /** Open sockets. */
  get clientCount(): number {
    return this.#sessions.size;
  }

  /** Streams that currently have a source computing them. */
  activeStreams(): string[] {
    return [...this.#subscriptions].filter(([, sub]) => sub.source !== null).map(([name]) => name);
  }

  /** Takes over an upgraded socket that follows `streams` (already validated). */
  attach(ws: WebSocket, combined: boolean, streams: readonly string[]): void {
    const session = new StreamSession(ws, this, combined, this.#timings.maxIncoming);
    this.#sessions.add(session);
    this.subscribe(session, streams);
    ws.on('message', (data) => session.onMessage(data));
    ws.on('ping', (data) => {
      if (!session.countIncoming()) return;
      const fault = this.#faults.streamFault(this.market);
      if (fault !== 'streamSilent' && fault !== 'streamNoPing') ws.pong(data);
    });
    ws.on('pong', () => {
      session.lastPongAt = Date.now();
      session.countIncoming();
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.unsubscribe(session, [...session.streams]);
      this.#sessions.delete(session);
      this.#schedule();
    });
    this.#schedule();
  }

  subscribe(session: StreamSession, names: readonly string[]): void {
    for (const name of names) {
      if (session.streams.has(name)) continue;
      session.streams.add(name);
      let sub = this.#subscriptions.get(name);
      if (!sub) {
        const parsed = parseStreamName(name);
        // Unknown symbols are accepted and simply never send, as on Binance.
        const source = parsed ? createSource(parsed, this.#ctx, this.#now()) : null;
        sub = { source, sessions: new Set() };
        this.#subscriptions.set(name, sub);
      }
      sub.sessions.add(session);
    }
    this.#schedule();
  }

  unsubscribe(session: StreamSession, names: readonly string[]): void {
    for (const name of names) {
      session.streams.delete(name);
      const sub = this.#subscriptions.get(name);
      if (!sub) continue;
      sub.sessions.delete(session);
      if (sub.sessions.size === 0) this.#subscriptions.delete(name);
    }
    this.#schedule();
  }

  /**
   * Sends one payload on stream `name` to its subscribers now, beside what the models send: a
   * benchmark's price stream at a cadence of its own. Returns how many sockets it went to.
   */
  publish(name: string, data: unknown): number {
    const sub = this.#subscriptions.get(name);
    if (!sub || this.silent()) return 0;
    this.#send(name, sub, data);
    return sub.sessions.size;
  }

  silent(): boolean {
    return this.#faults.streamFault(this.market) === 'streamSilent';
  }

  /** Closes every open socket (a `streamClose`/`streamDown` fault, or shutdown). */
  closeAll(code = 1001, reason = 'Server restarting'): void {
    for (const session of this.#sessions) session.ws.close(code, reason);
  }

  /** Drops every socket and stops the loops. */
  close(): void {
    for (const session of this.#sessions) session.ws.terminate();
    this.#sessions.clear();
    this.#subscriptions.clear();
    this.#schedule();
  }

  /** Runs the send loop only while a stream has a source, and the ping loop only while a socket is open. */
  #schedule(): void {
    const needTick = [...this.#subscriptions.values()].some((s) => s.source !== null);
    if (needTick && !this.#tickTimer) this.#tickTimer = setInterval(() => this.#tick(), TICK_MS);
    if (!needTick && this.#tickTimer) {
      clearInterval(this.#tickTimer);
      this.#tickTimer = null;
    }
    const needPing = this.#sessions.size > 0;
    if (needPing && !this.#pingTimer) {
      this.#pingTimer = setInterval(() => this.#ping(), this.#timings.pingIntervalMs);
    }
    if (!needPing && this.#pingTimer) {
      clearInterval(this.#pingTimer);
      this.#pingTimer = null;
    }
  }

  #tick(): void {
    const now = this.#now();
    // A silent server still moves its market: what it would have sent is lost, as on a stall.
    const silent = this.silent();
    for (const [name, sub] of this.#subscriptions) {
      if (!sub.source) continue;
      for (const data of sub.source.poll(now)) {
        if (!silent) this.#send(name, sub, data);
      }
    }
  }

  #send(name: string, sub: Subscription, data: unknown): void {
    const raw = JSON.stringify(data);
    const combined = `{"stream":${JSON.stringify(name)},"data":${raw}}`;
    for (const session of sub.sessions) session.send(combined, raw);
  }

  #ping(): void {
    const now = Date.now();
    const quiet = this.#faults.streamFault(this.market);
    for (const session of this.#sessions) {
      if (quiet === 'streamSilent' || quiet === 'streamNoPing') {
        // No ping sent means no pong owed: the timeout restarts once pings resume.
        session.lastPongAt = now;
        continue;
      }
      if (now - session.lastPongAt > this.#timings.pongTimeoutMs) {
        session.ws.terminate();
        continue;
      }
      session.ws.ping();
    }
  }
}
