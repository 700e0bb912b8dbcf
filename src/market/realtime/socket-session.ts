/**
 * One open WebSocket: its channels, its message budget and its bounded send buffer. A socket
 * whose unsent bytes pass the bound is closed (1013) rather than let memory grow for a client
 * that does not read.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';

export interface SocketLimits {
  readonly maxBufferedBytes: number;
  readonly messagesPerSecond: number;
  readonly maxChannels: number;
}

/** Close code of a slow consumer ("try again later"). */
export const SLOW_CONSUMER_CLOSE = 1013;

export class SocketSession {
  readonly id = randomBytes(12).toString('hex');
  readonly channels = new Set<string>();
  /** Whether the client answered the last ping. */
  alive = true;
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly socket: WebSocket,
    /** Null for an anonymous socket (prices only). */
    readonly userId: string | null,
    private readonly limits: SocketLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limits.messagesPerSecond * 2;
    this.refilledAt = now();
  }

  /** Takes one client message from the budget (bucket of 2 s worth); false when it is spent. */
  takeMessage(): boolean {
    const now = this.now();
    const rate = this.limits.messagesPerSecond;
    this.tokens = Math.min(rate * 2, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Sends one JSON text frame unless the socket is closed or too far behind (then closes it). */
  send(text: string): boolean {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return false;
    if (socket.bufferedAmount + text.length > this.limits.maxBufferedBytes) {
      socket.close(SLOW_CONSUMER_CLOSE, 'slow consumer: send buffer full');
      // A client that stopped reading may never finish the close handshake either.
      setTimeout(() => socket.terminate(), 1000).unref();
      return false;
    }
    socket.send(text);
    return true;
  }

  sendJson(message: unknown): boolean {
    return this.send(JSON.stringify(message));
  }
}
