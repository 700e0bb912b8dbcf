import type { Redis } from 'ioredis';
import type { SecretScrubber } from '../config/redact.ts';
import { errorMessage } from '../errors.ts';

export interface RedisHealthSnapshot {
  status: string;
  failures: number;
  lastError: string | null;
  lastErrorAt: number | null;
}

/**
 * Remembers how Redis has been failing, so that a fail-soft read that returned nothing still
 * shows up in /ready and /metrics instead of vanishing.
 */
export class RedisHealth {
  private failures = 0;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;

  constructor(
    private readonly client: Redis,
    private readonly scrubber: SecretScrubber,
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
    return {
      status: this.client.status,
      failures: this.failures,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
    };
  }

  /** PING with a deadline; resolves to the round trip in ms or throws the reason. */
  async ping(timeoutMs = 1_000): Promise<number> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no PONG within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.client.ping(), timeout]);
      return performance.now() - started;
    } finally {
      clearTimeout(timer);
    }
  }
}
