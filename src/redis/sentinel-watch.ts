import { Redis } from 'ioredis';
import { fullJitterDelay } from '../backoff.ts';
import type { SentinelConfig } from '../config/types.ts';
import { connectedAddress, formatAddress } from './address.ts';

/** How long after a switch a client that lands on the demoted master is sent back to the sentinels. */
const STALE_SENTINEL_WINDOW_MS = 60_000;

interface MasterSwitch {
  from: string;
  to: string;
  at: number;
}

/**
 * Follows Sentinel's `+switch-master` announcements for one master, with one subscription per
 * sentinel for the whole process, and moves every client of that master that is not on the
 * new one. Why not ioredis' own `failoverDetector`:
 * - it reconnects a client on every announcement, and each sentinel announces on its own
 *   schedule (up to seconds apart), so a client already on the new master was bounced again,
 *   cutting BullMQ's blocking reads and losing queue events;
 * - a client that reconnects between the announcements may ask a sentinel that has not switched
 *   yet and land on the old master, which still says it is master until Sentinel demotes it
 *   (about 10 s later): writes made there are lost. Here such a client is sent back at once;
 * - it opens one subscription per client per sentinel, leaves them open after QUIT, and prints
 *   unhandled errors for a sentinel that is down.
 */
export class SentinelWatch {
  private readonly clients = new Set<Redis>();
  private subscribers: Redis[] = [];
  private lastSwitch: MasterSwitch | null = null;

  constructor(
    private readonly sentinel: SentinelConfig,
    private readonly tls: boolean,
  ) {}

  /** Watches `client` until it ends (again after a later reconnect). */
  add(client: Redis): void {
    this.track(client);
    client.on('ready', () => {
      this.track(client);
      this.leaveDemotedMaster(client);
    });
    client.on('end', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stop();
    });
  }

  private track(client: Redis): void {
    if (this.clients.size === 0) this.start();
    this.clients.add(client);
  }

  private start(): void {
    if (this.subscribers.length > 0) return;
    this.subscribers = this.sentinel.sentinels.map(({ host, port }) => {
      const subscriber = new Redis({
        host,
        port,
        ...(this.sentinel.sentinelPassword === null ? {} : { password: this.sentinel.sentinelPassword }),
        ...(this.tls ? { tls: {} } : {}),
        connectTimeout: 5_000,
        // A sentinel that is down is retried quietly: the others still announce switches.
        retryStrategy: (times) => Math.max(100, fullJitterDelay(times, 200, 10_000)),
        maxRetriesPerRequest: null,
      });
      subscriber.on('error', () => {});
      subscriber.on('message', (_channel: string, message: string) => this.onSwitch(message));
      subscriber.subscribe('+switch-master').catch(() => {});
      return subscriber;
    });
  }

  private stop(): void {
    for (const subscriber of this.subscribers.splice(0)) subscriber.disconnect();
  }

  /** `<master-name> <old-ip> <old-port> <new-ip> <new-port>` */
  private onSwitch(message: string): void {
    const [name, oldHost, oldPort, newHost, newPort] = message.split(' ');
    if (name !== this.sentinel.masterName || !oldHost || !oldPort || !newHost || !newPort) return;
    const to = formatAddress(newHost, newPort);
    this.lastSwitch = { from: formatAddress(oldHost, oldPort), to, at: Date.now() };
    for (const client of this.clients) {
      // Only a connected client is moved: one that is connecting asks the sentinels anyway, and
      // cutting a connect short would end it for good.
      if (client.status === 'ready' && connectedAddress(client) !== to) client.disconnect(true);
    }
  }

  private leaveDemotedMaster(client: Redis): void {
    const last = this.lastSwitch;
    if (!last || Date.now() - last.at > STALE_SENTINEL_WINDOW_MS) return;
    if (connectedAddress(client) === last.from) client.disconnect(true);
  }
}

const watches = new Map<string, SentinelWatch>();

/**
 * The process-wide watch of one Sentinel-managed master. Its subscriptions are open only while
 * one of its clients is; the watch itself stays (a process has one or two Sentinel configs).
 */
export function sentinelWatch(sentinel: SentinelConfig, tls: boolean): SentinelWatch {
  const key = JSON.stringify([sentinel.sentinels, sentinel.masterName, sentinel.sentinelPassword, tls]);
  let watch = watches.get(key);
  if (!watch) {
    watch = new SentinelWatch(sentinel, tls);
    watches.set(key, watch);
  }
  return watch;
}
