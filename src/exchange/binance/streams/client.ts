/**
 * The Binance market-stream client of one market: spreads its streams over as many
 * connections as Binance's 1024-streams-per-connection limit needs, forwards their typed
 * events, counts rejected messages and reports each connection's state, so the feed can fall
 * back to REST while a connection is down. Builds nothing and starts no timer until asked.
 */
import type { MarketType } from '../../../trading/index.ts';
import { type ConnectionState, type StateChange, StreamConnection } from './connection.ts';
import type { StreamEvent } from './events.ts';

/** Options of {@link createStreamClient}. */
export interface StreamClientOptions {
  /** `wss://stream.binance.com:9443` (spot), `wss://fstream.binance.com` (futures) or the simulated exchange's. */
  readonly baseUrl: string;
  /** Only for the state events and the stats. @default 'spot' */
  readonly market?: MarketType;
  /** Nothing (frame, ping, pong) for this long and the socket is dropped; we ping at half of it. @default 60000 */
  readonly livenessTimeoutMs?: number;
  /** A connection is replaced after this age, before Binance cuts it at 24 h. @default 85800000 (23 h 50 m) */
  readonly maxConnectionAgeMs?: number;
  /** First reconnect delay ceiling (full jitter). @default 500 */
  readonly backoffBaseMs?: number;
  /** Longest reconnect delay. @default 30000 */
  readonly backoffCapMs?: number;
  /**
   * Control messages per connection and second. Binance allows 5 incoming, pongs included, counted
   * by arrival: 3 leaves room for a pong and for jitter that bunches two sends together. @default 3
   */
  readonly controlMessagesPerSecond?: number;
  /** Streams per connection. @default 1024 */
  readonly maxStreamsPerConnection?: number;
  /** Random source of the backoff jitter. @default Math.random */
  readonly random?: () => number;
}

/** A connection's state change, naming the connection and the streams it carries. */
export interface StreamStateEvent extends StateChange {
  readonly market: MarketType;
  readonly connection: number;
  readonly streams: readonly string[];
}

/** Counters of a client since it was created. */
export interface StreamClientStats {
  readonly events: number;
  /** Messages that failed validation (or a listener that threw); each was skipped. */
  readonly rejected: number;
  readonly lastRejection: string | null;
  readonly connections: number;
  readonly streams: number;
  readonly reconnects: number;
}

type Listeners = {
  event: (event: StreamEvent) => void;
  state: (change: StreamStateEvent) => void;
  rejected: (reason: string) => void;
};

type ResolvedOptions = Required<StreamClientOptions>;

const DEFAULTS = {
  livenessTimeoutMs: 60_000,
  maxConnectionAgeMs: 23 * 3_600_000 + 50 * 60_000,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  controlMessagesPerSecond: 3,
  maxStreamsPerConnection: 1024,
};

/** Market streams over one or more self-healing WebSocket connections. */
export class StreamClient {
  readonly #opts: ResolvedOptions;
  readonly #connections = new Map<number, StreamConnection>();
  readonly #listeners: { [K in keyof Listeners]: Set<Listeners[K]> } = {
    event: new Set(),
    state: new Set(),
    rejected: new Set(),
  };
  #nextConnection = 1;
  #closed = false;
  #events = 0;
  #rejected = 0;
  #lastRejection: string | null = null;
  #reconnects = 0;

  constructor(options: StreamClientOptions) {
    this.#opts = {
      ...DEFAULTS,
      market: 'spot',
      random: Math.random,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    } as ResolvedOptions;
  }

  /** Listens to events, state changes or rejections; returns the function that stops listening. */
  on<K extends keyof Listeners>(kind: K, listener: Listeners[K]): () => void {
    this.#listeners[kind].add(listener);
    return () => this.#listeners[kind].delete(listener);
  }

  /** Adds streams (names from `names.ts`); resolves once the exchange carries them. */
  async subscribe(streams: readonly string[]): Promise<void> {
    if (this.#closed) throw new Error('stream client is closed');
    const wanted = [...new Set(streams)].filter((s) => this.#owner(s) === undefined);
    const waits: Promise<void>[] = [];
    for (const [id, conn] of this.#connections) {
      const room = this.#opts.maxStreamsPerConnection - conn.streams.size;
      if (room <= 0 || wanted.length === 0) continue;
      waits.push(this.#connections.get(id)!.change(wanted.splice(0, room), true));
    }
    while (wanted.length > 0) {
      const conn = this.#newConnection();
      waits.push(conn.change(wanted.splice(0, this.#opts.maxStreamsPerConnection), true));
      conn.open();
    }
    await Promise.all(waits);
  }

  /** Removes streams; a connection left without streams is closed. */
  async unsubscribe(streams: readonly string[]): Promise<void> {
    const byConnection = new Map<number, string[]>();
    for (const name of new Set(streams)) {
      const id = this.#owner(name);
      if (id !== undefined) byConnection.set(id, [...(byConnection.get(id) ?? []), name]);
    }
    await Promise.all(
      [...byConnection].map(async ([id, names]) => {
        const conn = this.#connections.get(id);
        if (!conn) return;
        if (names.length === conn.streams.size) {
          this.#connections.delete(id);
          await conn.close();
          return;
        }
        await conn.change(names, false);
      }),
    );
  }

  /** Streams asked for, across connections. */
  streams(): string[] {
    return [...this.#connections.values()].flatMap((c) => [...c.streams]);
  }

  /** `connected` when every connection is (or there are none); else the worst state. */
  get state(): ConnectionState {
    const states = [...this.#connections.values()].map((c) => c.state);
    if (this.#closed) return 'closed';
    for (const bad of ['reconnecting', 'disconnected', 'connecting'] as const)
      if (states.includes(bad)) return bad;
    return 'connected';
  }

  stats(): StreamClientStats {
    return {
      events: this.#events,
      rejected: this.#rejected,
      lastRejection: this.#lastRejection,
      connections: this.#connections.size,
      streams: this.streams().length,
      reconnects: this.#reconnects,
    };
  }

  /** Closes every connection; safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  #owner(stream: string): number | undefined {
    for (const [id, conn] of this.#connections) if (conn.streams.has(stream)) return id;
    return undefined;
  }

  #newConnection(): StreamConnection {
    const id = this.#nextConnection++;
    const o = this.#opts;
    const conn: StreamConnection = new StreamConnection({
      baseUrl: o.baseUrl,
      livenessTimeoutMs: o.livenessTimeoutMs,
      maxConnectionAgeMs: o.maxConnectionAgeMs,
      backoffBaseMs: o.backoffBaseMs,
      backoffCapMs: o.backoffCapMs,
      controlMessagesPerSecond: o.controlMessagesPerSecond,
      random: o.random,
      onEvent: (event) => {
        this.#events++;
        for (const listener of this.#listeners.event) listener(event);
      },
      onRejected: (reason) => {
        this.#rejected++;
        this.#lastRejection = reason;
        for (const listener of this.#listeners.rejected) listener(reason);
      },
      onState: (change) => {
        if (change.state === 'reconnecting') this.#reconnects++;
        const event = { ...change, market: o.market, connection: id, streams: [...conn.streams] };
        for (const listener of this.#listeners.state) listener(event);
      },
    });
    this.#connections.set(id, conn);
    return conn;
  }
}

/** A stream client for one market; connects on the first `subscribe`. */
export function createStreamClient(options: StreamClientOptions): StreamClient {
  return new StreamClient(options);
}
