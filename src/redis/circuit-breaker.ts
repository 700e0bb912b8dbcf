/**
 * Stops calling a failing Redis: after `threshold` consecutive failures the breaker opens and
 * callers skip L2 at once (serving L1, stale or the factory) instead of each waiting for a
 * timeout. After `cooldownMs` one probe call is let through (half-open): success closes the
 * breaker, failure opens it for another cooldown.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private state: 'closed' | 'open' | 'half-open' = 'closed';

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number,
  ) {}

  /** Whether a call may go to Redis now; in half-open state only the first caller gets `true`. */
  allow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open' && this.now() - this.openedAt >= this.cooldownMs) {
      this.state = 'half-open';
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.state = 'closed';
  }

  failure(): void {
    this.failures += 1;
    if (this.state === 'half-open' || this.failures >= this.threshold) {
      this.state = 'open';
      this.openedAt = this.now();
    }
  }

  get current(): 'closed' | 'open' | 'half-open' {
    return this.state;
  }
}
