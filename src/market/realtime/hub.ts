/**
 * The WebSocket hub of one API process: which sockets listen to which channel, the fan-out of
 * what the realtime bus receives (market updates of every market, every user's notifications),
 * `price:` coalescing, the heartbeat, and the feed's watch list.
 *
 * - `price:<S>` is sent on each change but at most 10 times a second per channel: a change
 *   inside the 100 ms window replaces the pending one, which goes out when the window ends.
 * - Every heartbeat pings each socket (one that did not answer the previous ping is cut off)
 *   and refreshes the Redis TTL of its subscriptions.
 * - The first subscriber of a symbol in this process calls the `onWatch` listeners, so the feed
 *   can start watching it (the lead connects it to the feed's `watch()`).
 */
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../logger.ts';
import type { MarketType } from '../../trading/index.ts';
import type { OwnedNotification } from '../alerts/index.ts';
import type { RealtimeBus, RealtimeListener } from './index.ts';
import {
  type Channel,
  type ClientMessage,
  channelName,
  ProtocolError,
  parseClientMessage,
} from './protocol.ts';
import { type SocketLimits, SocketSession } from './socket-session.ts';
import type { SubscriptionTracker } from './subscription-tracker.ts';
import type { MarketUpdate } from './updates.ts';

/** Shortest spacing of two messages of one `price:` channel: at most 10 a second. */
export const PRICE_MIN_SPACING_MS = 100;
/** Largest client message accepted; a bigger frame closes the socket (1009). */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

export type WatchListener = (market: MarketType, symbol: string) => void;

export interface WebSocketHubDeps {
  readonly bus: RealtimeBus | null;
  readonly tracker: SubscriptionTracker;
  readonly limits: SocketLimits;
  readonly logger: Logger;
  /** Heartbeat period (ms). */
  readonly heartbeatMs: number;
}

interface Coalesced {
  /** Exchange time of the newest price taken: an older one is never sent after it. */
  newest: number;
  lastSentAt: number;
  pending: string | null;
  timer: NodeJS.Timeout | null;
}

export class WebSocketHub implements RealtimeListener {
  private readonly sessions = new Set<SocketSession>();
  /** Channel name → sockets; the `alerts` channel is keyed `alerts:<userId>`. */
  private readonly byChannel = new Map<string, Set<SocketSession>>();
  /** `<market>:<symbol>` → subscriptions of this process to any of its channels. */
  private readonly watched = new Map<string, number>();
  private readonly watchListeners = new Set<WatchListener>();
  private readonly coalesced = new Map<string, Coalesced>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unlisten: () => void;

  constructor(private readonly deps: WebSocketHubDeps) {
    this.unlisten = deps.bus?.listen(this) ?? (() => {});
    this.heartbeat = setInterval(() => this.beat(), deps.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Calls `listener(market, symbol)` whenever a symbol gets its first subscriber here. */
  onWatch(listener: WatchListener): () => void {
    this.watchListeners.add(listener);
    return () => this.watchListeners.delete(listener);
  }

  /** The symbols sockets of this process are subscribed to. */
  watchedSymbols(): { market: MarketType; symbol: string }[] {
    return [...this.watched.keys()].map((key) => {
      const [market, symbol] = key.split(':') as [MarketType, string];
      return { market, symbol };
    });
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Takes over an upgraded socket; `userId` null for an anonymous one. */
  attach(socket: WebSocket, userId: string | null): SocketSession {
    const session = new SocketSession(socket, userId, this.deps.limits);
    this.sessions.add(session);
    socket.on('message', (data: RawData, isBinary: boolean) => this.receive(session, data, isBinary));
    socket.on('pong', () => {
      session.alive = true;
    });
    socket.on('error', () => {});
    socket.on('close', () => this.detach(session));
    return session;
  }

  onNotification(owned: OwnedNotification): void {
    const sockets = this.byChannel.get(`alerts:${owned.userId}`);
    if (!sockets) return;
    const text = JSON.stringify({ channel: 'alerts', data: owned.notification });
    for (const s of sockets) s.send(text);
  }

  onMarketUpdates(market: MarketType, updates: readonly MarketUpdate[]): void {
    for (const update of updates) {
      const name =
        update.kind === 'price'
          ? channelName('price', market, update.symbol)
          : update.kind === 'book'
            ? channelName('book', market, update.symbol)
            : update.kind === 'trade'
              ? channelName('trades', market, update.symbol)
              : channelName('candles', market, update.symbol, update.interval);
      if (!this.byChannel.has(name)) continue;
      const text = JSON.stringify({ channel: name, data: update.data });
      if (update.kind === 'price') this.sendCoalesced(name, text, update.data.time);
      else this.sendTo(name, text);
    }
  }

  /** Closes every socket (1001, going away) and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.unlisten();
    for (const c of this.coalesced.values()) if (c.timer) clearTimeout(c.timer);
    this.coalesced.clear();
    const closing = [...this.sessions].map((s) => {
      s.socket.close(1001, 'server shutting down');
      return s.userId ? this.deps.tracker.remove(s.userId, s.id).catch(() => {}) : Promise.resolve();
    });
    await Promise.all(closing);
  }

  private receive(session: SocketSession, data: RawData, isBinary: boolean): void {
    try {
      if (!session.takeMessage()) {
        throw new ProtocolError(
          'RATE_LIMITED',
          `at most ${this.deps.limits.messagesPerSecond} messages a second`,
        );
      }
      if (isBinary) throw new ProtocolError('BAD_REQUEST', 'send text frames holding JSON');
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.handle(session, parseClientMessage(text, this.deps.limits.maxChannels));
    } catch (err) {
      const known = err instanceof ProtocolError;
      if (!known) this.deps.logger.warn({ err }, 'websocket message failed');
      session.sendJson({
        error: {
          code: known ? err.code : 'INTERNAL',
          message: known ? err.message : 'the message could not be handled',
        },
      });
    }
  }

  private handle(session: SocketSession, message: ClientMessage): void {
    if (message.op === 'ping') {
      session.sendJson({ op: 'pong' });
      return;
    }
    if (message.op === 'subscribe') {
      if (session.userId === null) {
        const refused = message.channels.find((c) => c.kind !== 'price');
        if (refused) {
          throw new ProtocolError(
            'AUTH_REQUIRED',
            `${refused.name} needs credentials: anonymous sockets get prices only`,
          );
        }
      }
      const added = message.channels.filter((c) => !session.channels.has(c.name));
      if (session.channels.size + added.length > this.deps.limits.maxChannels) {
        throw new ProtocolError(
          'LIMIT_EXCEEDED',
          `at most ${this.deps.limits.maxChannels} channels per socket`,
        );
      }
      for (const c of added) this.add(session, c);
      session.sendJson({ op: 'subscribed', channels: message.channels.map((c) => c.name) });
    } else {
      for (const c of message.channels) if (session.channels.has(c.name)) this.remove(session, c);
      session.sendJson({ op: 'unsubscribed', channels: message.channels.map((c) => c.name) });
    }
    this.track(session);
  }

  private add(session: SocketSession, channel: Channel): void {
    session.channels.add(channel.name);
    const key = channel.kind === 'alerts' ? `alerts:${session.userId}` : channel.name;
    let set = this.byChannel.get(key);
    if (!set) {
      set = new Set();
      this.byChannel.set(key, set);
    }
    set.add(session);
    if (channel.kind !== 'alerts') {
      const symbolKey = `${channel.market}:${channel.symbol}`;
      const count = this.watched.get(symbolKey) ?? 0;
      this.watched.set(symbolKey, count + 1);
      if (count === 0)
        for (const listener of this.watchListeners) this.callWatch(listener, channel.market, channel.symbol);
    }
  }

  private remove(session: SocketSession, channel: Channel | string): void {
    const name = typeof channel === 'string' ? channel : channel.name;
    session.channels.delete(name);
    const key = name === 'alerts' ? `alerts:${session.userId}` : name;
    const set = this.byChannel.get(key);
    set?.delete(session);
    if (set && set.size === 0) {
      this.byChannel.delete(key);
      const c = this.coalesced.get(key);
      if (c?.timer) clearTimeout(c.timer);
      this.coalesced.delete(key);
    }
    if (name !== 'alerts') {
      const symbolKey = symbolKeyOf(name);
      const count = (this.watched.get(symbolKey) ?? 1) - 1;
      if (count <= 0) this.watched.delete(symbolKey);
      else this.watched.set(symbolKey, count);
    }
  }

  private detach(session: SocketSession): void {
    if (!this.sessions.delete(session)) return;
    for (const name of [...session.channels]) this.remove(session, name);
    if (session.userId) {
      this.deps.tracker.remove(session.userId, session.id).catch((err) => {
        this.deps.logger.warn({ err }, 'websocket subscriptions not removed from redis (they expire)');
      });
    }
  }

  private track(session: SocketSession): void {
    if (!session.userId) return;
    this.deps.tracker.set(session.userId, session.id, [...session.channels]).catch((err) => {
      this.deps.logger.warn({ err }, 'websocket subscriptions not tracked in redis');
    });
  }

  private sendTo(key: string, text: string): void {
    for (const s of this.byChannel.get(key) ?? []) s.send(text);
  }

  /**
   * A price, at most one per PRICE_MIN_SPACING_MS per channel (the newest wins), and never one
   * older than a price the channel already took: the feed announces what a flush queued before
   * Redis ordered it, so a REST price and a stream price flushed on different lanes can arrive
   * out of exchange-time order (Redis keeps the newer; clients must not see the time go back).
   */
  private sendCoalesced(key: string, text: string, time: number): void {
    const now = Date.now();
    let c = this.coalesced.get(key);
    if (!c) {
      c = { newest: time, lastSentAt: 0, pending: null, timer: null };
      this.coalesced.set(key, c);
    }
    if (time < c.newest) return;
    c.newest = time;
    if (c.timer === null && now - c.lastSentAt >= PRICE_MIN_SPACING_MS) {
      c.lastSentAt = now;
      this.sendTo(key, text);
      return;
    }
    c.pending = text;
    if (c.timer === null) {
      const entry = c;
      entry.timer = setTimeout(
        () => {
          entry.timer = null;
          entry.lastSentAt = Date.now();
          const pending = entry.pending;
          entry.pending = null;
          if (pending !== null) this.sendTo(key, pending);
        },
        Math.max(0, PRICE_MIN_SPACING_MS - (now - c.lastSentAt)),
      );
    }
  }

  private beat(): void {
    for (const s of this.sessions) {
      if (!s.alive) {
        s.socket.terminate();
        continue;
      }
      s.alive = false;
      try {
        s.socket.ping();
      } catch {
        // closed meanwhile
      }
      if (s.userId && s.channels.size > 0) {
        this.deps.tracker.refresh(s.userId, s.id).catch((err) => {
          this.deps.logger.warn({ err }, 'websocket subscriptions not refreshed in redis');
        });
      }
    }
  }

  private callWatch(listener: WatchListener, market: MarketType, symbol: string): void {
    try {
      listener(market, symbol);
    } catch (err) {
      this.deps.logger.warn({ err, market, symbol }, 'watch listener failed');
    }
  }
}

/** `<market>:<symbol>` of a market channel name (`price:BTCUSDT@futures` → `futures:BTCUSDT`). */
function symbolKeyOf(name: string): string {
  const target = name.split(':')[1] ?? '';
  const at = target.indexOf('@');
  return at === -1 ? `spot:${target}` : `futures:${target.slice(0, at)}`;
}
