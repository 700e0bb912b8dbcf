import type { SecretScrubber } from '../config/redact.ts';
import type { RedisMode } from '../config/types.ts';
import { errorMessage } from '../errors.ts';
import { clusterMasters, connectedAddress } from './address.ts';
import type { RedisClient } from './client.ts';

/** How the command connection reaches Redis; `masterName` only in Sentinel mode. */
export interface RedisTopology {
  mode: RedisMode;
  masterName?: string;
}

export interface RedisHealthSnapshot {
  mode: RedisMode;
  /** Sentinel mode: the master name and the `host:port` this process is connected to now (null while reconnecting). */
  masterName?: string;
  master?: string | null;
  /** Cluster mode: `host:port` of each master the client knows now. */
  masters?: string[];
  status: string;
  failures: number;
  lastError: string | null;
  lastErrorAt: number | null;
}

/** Why Redis does not serve now, coarse enough to show anyone (load balancers, /ready). */
export type NotReadyReason = 'REDIS_DISCONNECTED' | 'REDIS_TIMEOUT' | 'REDIS_ERROR';

/** The outcome of one readiness probe: only what this probe saw, never an earlier outage's cause. */
export type Readiness =
  | { ready: true; latencyMs: number }
  | { ready: false; reason: NotReadyReason /** Scrubbed; for admins only. */; cause: string };

/**
 * Remembers how Redis has been failing, so that a fail-soft read that returned nothing still
 * shows up in /ready and /metrics instead of vanishing.
 */
export class RedisHealth {
  private failures = 0;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;

  constructor(
    private readonly client: RedisClient,
    private readonly scrubber: SecretScrubber,
    private readonly topology: RedisTopology = { mode: 'standalone' },
  ) {
    client.on('error', (err: unknown) => this.recordFailure(err));
  }

  recordFailure(err: unknown): void {
    this.failures += 1;
    this.lastError = this.scrubber.scrub(errorMessage(err));
    this.lastErrorAt = Date.now();
  }

  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  snapshot(): RedisHealthSnapshot {
    const sentinel =
      this.topology.mode === 'sentinel'
        ? { masterName: this.topology.masterName ?? '', master: connectedAddress(this.client) }
        : {};
    const cluster = this.topology.mode === 'cluster' ? { masters: clusterMasters(this.client) } : {};
    return {
      mode: this.topology.mode,
      ...sentinel,
      ...cluster,
      status: this.client.status,
      failures: this.failures,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
    };
  }

  /**
   * Is Redis serving this process now? A connection that is not up answers at once (a PING would
   * wait in the offline queue); otherwise a PING with a deadline. Never throws.
   */
  async probe(timeoutMs: number): Promise<Readiness> {
    if (this.client.status !== 'ready') {
      return { ready: false, reason: 'REDIS_DISCONNECTED', cause: `connection is ${this.client.status}` };
    }
    try {
      return { ready: true, latencyMs: await this.ping(timeoutMs) };
    } catch (err) {
      const cause = this.scrubber.scrub(errorMessage(err));
      const timedOut = err instanceof PingTimeout || /timed out/i.test(cause);
      return { ready: false, reason: timedOut ? 'REDIS_TIMEOUT' : 'REDIS_ERROR', cause };
    }
  }

  /** PING with a deadline; resolves to the round trip in ms or throws the reason. */
  async ping(timeoutMs = 1_000): Promise<number> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PingTimeout(timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([this.client.ping(), timeout]);
      return performance.now() - started;
    } finally {
      clearTimeout(timer);
    }
  }
}

class PingTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no PONG within ${timeoutMs} ms`);
  }
}
