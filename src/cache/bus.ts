import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { isCluster, type RedisClient } from '../redis/client.ts';

/**
 * What engines tell each other on the bus channel (one per engine prefix):
 * `del` — these keys changed or vanished: drop them from L1;
 * `clear` — the whole namespace was cleared;
 * `fill` — a lease holder stored a fresh value: drop the old L1 copy and wake the waiters.
 */
export interface BusMessage {
  /** Origin engine id: an engine ignores its own `del`/`clear`. */
  o: string;
  t: 'del' | 'clear' | 'fill';
  /** Namespace. */
  n: string;
  /** Keys (without prefix) for `del` and `fill`. */
  k?: string[];
}

export interface BusHandlers {
  onMessage(message: BusMessage): void;
  /** The subscription was lost; messages may be missed from now on. */
  onDisconnect(): void;
  /** Subscribed again after a loss: anything in L1 may have missed an invalidation. */
  onReconnect(): void;
}

/**
 * The invalidation bus: one subscriber connection per engine, owned and closed here. ioredis
 * re-subscribes by itself after a reconnect; we only need to know that it happened.
 */
export class InvalidationBus {
  private readonly client: RedisClient;
  private subscribed = false;
  private everSubscribed = false;
  private closed = false;
  private starting: Promise<void> | null = null;

  constructor(
    factory: () => RedisClient,
    readonly channel: string,
    private readonly handlers: BusHandlers,
    private readonly logger: Logger,
  ) {
    this.client = factory();
    // We re-subscribe ourselves on `ready` (below). ioredis' own automatic re-SUBSCRIBE is a
    // promise nobody awaits: closed during a reconnect, it surfaces as an unhandled rejection.
    // (A Cluster's subscriber connection moves to another node by itself and has no such option.)
    if (!isCluster(this.client)) this.client.options.autoResubscribe = false;
    this.client.on('error', (err: unknown) =>
      this.logger.debug({ err: errorMessage(err) }, 'cache bus connection error'),
    );
    this.client.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      const message = parse(raw);
      if (message) this.handlers.onMessage(message);
    });
    this.client.on('close', () => this.lost());
    this.client.on('ready', () => {
      if (!this.everSubscribed || this.closed) return;
      // ioredis emits `ready` before its automatic re-SUBSCRIBE is confirmed. Subscribing again
      // (idempotent) gives us that confirmation: L1 is dropped only once nothing can be missed.
      this.client.subscribe(this.channel).then(
        () => {
          if (this.closed) return;
          this.subscribed = true;
          this.logger.info({ channel: this.channel }, 'cache bus reconnected; L1 dropped');
          this.handlers.onReconnect();
        },
        (err: unknown) => this.logger.warn({ err: errorMessage(err) }, 'cache bus re-subscribe failed'),
      );
    });
  }

  /** Connects and subscribes; resolves once invalidations are being received. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      if (this.client.status === 'wait') await this.client.connect();
      await this.client.subscribe(this.channel);
      this.subscribed = true;
      this.everSubscribed = true;
    })();
    return this.starting;
  }

  /** Whether invalidations are being received right now (L1 may be trusted). */
  get isSubscribed(): boolean {
    return this.subscribed;
  }

  static encode(message: BusMessage): string {
    return JSON.stringify(message);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribed = false;
    if (this.client.status === 'end') return;
    try {
      if (this.client.status === 'ready') {
        await this.client.quit();
        return;
      }
    } catch {
      // fall through
    }
    this.client.disconnect(false);
  }

  private lost(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    if (!this.closed) {
      this.logger.warn({ channel: this.channel }, 'cache bus disconnected; L1 bypassed until it is back');
      this.handlers.onDisconnect();
    }
  }
}

function parse(raw: string): BusMessage | null {
  try {
    const message = JSON.parse(raw) as BusMessage;
    if (typeof message.o !== 'string' || typeof message.n !== 'string') return null;
    return message;
  } catch {
    return null;
  }
}
