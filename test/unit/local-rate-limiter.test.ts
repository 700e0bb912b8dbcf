import { describe, expect, it } from 'vitest';
import { LocalRateLimiter } from '../../src/sessions/local-rate-limiter.ts';

describe('per-IP limit in process memory', () => {
  it('lets `limit` requests through per window, then refuses with Retry-After', () => {
    let now = 60_000;
    const limiter = new LocalRateLimiter(3, 60, () => now);
    expect([1, 2, 3].map(() => limiter.consume('10.0.0.1').allowed)).toEqual([true, true, true]);
    const refused = limiter.consume('10.0.0.1');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSec).toBe(60);
    expect(limiter.consume('10.0.0.2').allowed).toBe(true); // other clients are not affected
    now += 30_000;
    expect(limiter.consume('10.0.0.1').allowed).toBe(false); // half the last window still counts
    now += 60_000;
    expect(limiter.consume('10.0.0.1').allowed).toBe(true);
  });

  it('forgets the least recently seen clients beyond its bound', () => {
    const limiter = new LocalRateLimiter(1, 60, () => 0, 2);
    limiter.consume('a');
    limiter.consume('b');
    limiter.consume('c');
    expect(limiter.consume('a').allowed).toBe(true);
    expect(limiter.consume('c').allowed).toBe(false);
  });
});
