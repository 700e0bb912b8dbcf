import { LRUCache } from 'lru-cache';
import type { RateLimitDecision } from './rate-limiter.ts';

interface Window {
  start: number;
  current: number;
  previous: number;
}

/**
 * An in-process sliding-window counter (the previous fixed window weighted by how much of it
 * still overlaps the sliding one). Used for the default per-IP limit that guards this process
 * against one client flooding it: that protection is per process by nature, and keeping it out
 * of Redis saves a round trip on every request (see BENCHMARKS.md, auth overhead). Limits that
 * must hold across processes (login brute force) stay on the Redis `RateLimiter`.
 */
export class LocalRateLimiter {
  private readonly windows: LRUCache<string, Window>;

  constructor(
    private readonly limit: number,
    private readonly windowSec: number,
    private readonly now: () => number = Date.now,
    maxClients = 100_000,
  ) {
    // Bounded memory: the least recently seen clients are forgotten first.
    this.windows = new LRUCache({ max: maxClients });
  }

  consume(client: string): RateLimitDecision {
    const windowMs = this.windowSec * 1000;
    const now = this.now();
    const start = now - (now % windowMs);
    let w = this.windows.get(client);
    if (!w || start - w.start >= 2 * windowMs) w = { start, current: 0, previous: 0 };
    else if (w.start !== start) w = { start, current: 0, previous: w.current };
    const overlap = 1 - (now - start) / windowMs;
    const estimated = Math.floor(w.previous * overlap) + w.current;
    const allowed = estimated < this.limit;
    if (allowed) w.current += 1;
    this.windows.set(client, w);
    const count = estimated + (allowed ? 1 : 0);
    return {
      allowed,
      count,
      limit: this.limit,
      remaining: Math.max(0, this.limit - count),
      retryAfterSec: allowed ? 0 : Math.max(1, Math.ceil((start + windowMs - now) / 1000)),
    };
  }
}
