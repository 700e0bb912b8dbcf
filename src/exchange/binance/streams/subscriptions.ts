/**
 * The streams one connection should carry versus the ones the server confirmed, and the live
 * SUBSCRIBE / UNSUBSCRIBE messages that close the gap: batched, one request in flight at a
 * time, and at most `perSecond` control messages in any second (Binance closes a connection
 * past 5 incoming messages a second, pongs included, so the default leaves room for a pong).
 */
import { ErrorCodes, TradecacheError } from '../../../errors.ts';

/** Most stream names in one control message: keeps frames small and replies quick. */
const MAX_PARAMS = 200;
/**
 * The second the exchange counts in, plus slack: the server counts by arrival, and network or
 * event-loop jitter can deliver messages we spaced over a second closer together than that.
 */
const WINDOW_MS = 1250;

interface Waiter {
  readonly names: readonly string[];
  readonly subscribed: boolean;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

interface InFlight {
  readonly id: number;
  readonly method: 'SUBSCRIBE' | 'UNSUBSCRIBE';
  readonly params: readonly string[];
}

/** Keeps one connection's subscriptions in line with what its owner wants. */
export class SubscriptionSync {
  /** What the owner wants on this connection. */
  readonly desired = new Set<string>();
  /** What the open socket carries (from its URL and acknowledged requests). */
  readonly #active = new Set<string>();
  readonly #sentAt: number[] = [];
  readonly #waiters: Waiter[] = [];
  #send: ((text: string) => void) | null = null;
  #inFlight: InFlight | null = null;
  #nextId = 1;
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly perSecond: number) {}

  /** Wants `names` (or no longer wants them); resolves once the server carries (or dropped) them. */
  change(names: readonly string[], subscribed: boolean): Promise<void> {
    for (const name of names) {
      if (subscribed) this.desired.add(name);
      else this.desired.delete(name);
    }
    const done = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ names, subscribed, resolve, reject });
    });
    this.#settle();
    this.#pump();
    return done;
  }

  /** A socket opened carrying `carried` (the names in its URL); `send` writes a text frame. */
  attach(carried: Iterable<string>, send: (text: string) => void): void {
    this.detach();
    for (const name of carried) this.#active.add(name);
    this.#send = send;
    this.#settle();
    this.#pump();
  }

  /** The socket is gone: nothing is carried until the next one opens. */
  detach(): void {
    this.#send = null;
    this.#inFlight = null;
    this.#active.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Handles a `{result, id}` / `{error, id}` reply; false when the id is not ours. */
  reply(id: unknown, error: unknown): boolean {
    const req = this.#inFlight;
    if (!req || id !== req.id) return false;
    this.#inFlight = null;
    if (error === undefined) {
      for (const name of req.params) {
        if (req.method === 'SUBSCRIBE') this.#active.add(name);
        else this.#active.delete(name);
      }
    } else {
      // Refused names are dropped from the wish list, or the same request would loop forever.
      const message =
        typeof error === 'object' && error !== null ? String((error as { msg?: unknown }).msg) : '';
      for (const name of req.params) if (req.method === 'SUBSCRIBE') this.desired.delete(name);
      this.#failWaiters(req.params, `Binance refused ${req.method}: ${message.slice(0, 200)}`);
    }
    this.#settle();
    this.#pump();
    return true;
  }

  /** Rejects every pending change (the connection is closing). */
  abandon(reason: string): void {
    this.detach();
    for (const w of this.#waiters.splice(0)) w.reject(streamError(reason));
  }

  #pump(): void {
    const send = this.#send;
    if (!send || this.#inFlight || this.#timer) return;
    const add = [...this.desired].filter((n) => !this.#active.has(n));
    const remove = [...this.#active].filter((n) => !this.desired.has(n));
    if (add.length === 0 && remove.length === 0) return;
    const now = Date.now();
    while (this.#sentAt.length > 0 && (this.#sentAt[0] ?? 0) <= now - WINDOW_MS) this.#sentAt.shift();
    if (this.#sentAt.length >= this.perSecond) {
      const wait = (this.#sentAt[0] ?? now) + WINDOW_MS - now + 1;
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#pump();
      }, wait);
      return;
    }
    const method = remove.length > 0 ? 'UNSUBSCRIBE' : 'SUBSCRIBE';
    const params = (remove.length > 0 ? remove : add).slice(0, MAX_PARAMS);
    const id = this.#nextId++;
    this.#inFlight = { id, method, params };
    this.#sentAt.push(now);
    send(JSON.stringify({ method, params, id }));
  }

  /** Resolves the waiters whose names are now where they wanted them. */
  #settle(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i];
      if (!w) continue;
      if (
        w.names.every((n) => this.#active.has(n) === w.subscribed || this.desired.has(n) !== w.subscribed)
      ) {
        this.#waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  #failWaiters(names: readonly string[], message: string): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i];
      if (w?.subscribed && w.names.some((n) => names.includes(n))) {
        this.#waiters.splice(i, 1);
        w.reject(streamError(message));
      }
    }
  }
}

function streamError(message: string): TradecacheError {
  return new TradecacheError(ErrorCodes.EXCHANGE_UNAVAILABLE, message, {
    context: { transport: 'websocket' },
  });
}
