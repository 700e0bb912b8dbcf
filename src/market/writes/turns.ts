/**
 * A long synchronous job cut into turns of the event loop: the feed's bulk flush of a whole
 * market is tens of ms of encoding, and while it runs no price, stream message, Redis reply or
 * HTTP request of the process is served. The job asks `spent` between two of its steps and,
 * once the turn had its share, awaits `next()`, which lets due I/O and timers run first.
 */
export class TurnBudget {
  private started = performance.now();

  constructor(private readonly sliceMs: number) {}

  /** Whether this turn has run for `sliceMs` already. */
  get spent(): boolean {
    return performance.now() - this.started >= this.sliceMs;
  }

  /** Lets everything that is due run, then starts a new turn. */
  async next(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.started = performance.now();
  }
}
