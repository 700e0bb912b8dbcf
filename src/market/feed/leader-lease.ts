/**
 * One market's leader election: a Redis lease (`SET NX PX` with a random token), renewed at a
 * third of its TTL by its owner only (`renew-lease`), released on close by its owner only
 * (`release-lease`). A process that dies stops renewing, and another one takes the lease within
 * one TTL plus one try interval. A renewal that fails (lease gone, or Redis unreachable for
 * longer than the TTL) counts as lost, so two processes never both think they lead for long;
 * monotonic writes make the brief overlap harmless.
 */
import { randomBytes } from 'node:crypto';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { RedisClient } from '../../redis/client.ts';
import { runScript } from '../../redis/scripts.ts';

export interface LeaderLeaseOptions {
  readonly redis: RedisClient;
  readonly key: string;
  readonly ttlMs: number;
  readonly logger: Logger;
  /** Told when this process becomes the leader. */
  readonly onElected: () => void;
  /** Told when it stops leading (lost or closed). Awaited before the next try. */
  readonly onDeposed: () => Promise<void>;
}

export class LeaderLease {
  /** Identifies this holder; never secret, but unguessable so no one releases ours by accident. */
  readonly token = randomBytes(12).toString('hex');
  private leading = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private running: Promise<void> = Promise.resolve();
  private lastRenewed = 0;

  constructor(private readonly options: LeaderLeaseOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Starts trying (at once, then every third of the TTL). */
  start(): void {
    this.schedule(0);
  }

  /** Stops leading and trying; releases the lease if it is still ours. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    if (this.leading) {
      this.leading = false;
      await this.options.onDeposed();
      try {
        await runScript<number>(this.options.redis, 'release-lease', [this.options.key], [this.token]);
      } catch (err) {
        // It expires by itself within one TTL.
        this.options.logger.warn({ err: errorMessage(err) }, 'feed lease release failed');
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.tick().finally(() =>
        this.schedule(Math.max(100, Math.floor(this.options.ttlMs / 3))),
      );
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const { redis, key, ttlMs, logger } = this.options;
    const started = Date.now();
    try {
      if (this.leading) {
        const ok = await runScript<number>(redis, 'renew-lease', [key], [this.token, ttlMs]);
        if (ok === 1) {
          this.lastRenewed = started;
          return;
        }
        logger.warn({ key }, 'feed lease lost to another process');
        await this.depose();
        return;
      }
      const set = await redis.set(key, this.token, 'PX', ttlMs, 'NX');
      if (set === 'OK' && !this.closed) {
        this.leading = true;
        this.lastRenewed = started;
        logger.info({ key }, 'feed lease taken: this process runs the feed');
        this.options.onElected();
      }
    } catch (err) {
      logger.warn({ key, err: errorMessage(err) }, 'feed lease check failed');
      // Without a renewal for a whole TTL the lease may be someone else's now.
      if (this.leading && Date.now() - this.lastRenewed >= ttlMs) await this.depose();
    }
  }

  private async depose(): Promise<void> {
    this.leading = false;
    await this.options.onDeposed();
  }
}
