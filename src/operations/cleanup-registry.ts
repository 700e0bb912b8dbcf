import { errorMessage, isTradecacheError } from '../errors.ts';

/**
 * One area's cleanup of data past its life: dangling index entries, expired alerts, ticks and
 * candles past retention, stale notifications. Returns how many entries it removed. Steps must
 * be idempotent (the maintenance job may run twice after a crash) and stop when `signal` fires.
 */
export type CleanupStep = (signal: AbortSignal) => Promise<number>;

/** What one cleanup did: per step, the entries removed or the error it stopped on. */
export interface CleanupReport {
  removed: Record<string, number>;
  /** Steps that failed, with the error code only: messages go to the (scrubbing) log. */
  failed: Record<string, string>;
  totalRemoved: number;
  startedAt: string;
  durationMs: number;
}

/**
 * The steps `cleanupExpiredData()` runs, registered by each area (sessions now; alerts and market
 * data from their own modules) so the cache service does not need to know their keys.
 */
export class CleanupRegistry {
  private readonly steps = new Map<string, CleanupStep>();

  /** Adds the step `name` (`sessions`, `alerts`, `market-ticks`, ...); a second add of a name is refused. */
  register(name: string, step: CleanupStep): void {
    if (this.steps.has(name)) throw new Error(`cleanup step ${name} is registered twice`);
    this.steps.set(name, step);
  }

  names(): string[] {
    return [...this.steps.keys()];
  }

  /** Runs every step in registration order; a failing step is reported and the others still run. */
  async runAll(
    signal: AbortSignal,
    onError: (step: string, message: string) => void = () => {},
    only?: ReadonlySet<string>,
  ): Promise<CleanupReport> {
    const started = Date.now();
    const removed: Record<string, number> = {};
    const failed: Record<string, string> = {};
    let totalRemoved = 0;
    for (const [name, step] of this.steps) {
      if (only && !only.has(name)) continue;
      if (signal.aborted) {
        failed[name] = 'aborted';
        continue;
      }
      try {
        const count = await step(signal);
        removed[name] = count;
        totalRemoved += count;
      } catch (err) {
        // The answer reaches API callers: a code, never a message that could quote a key or URL.
        failed[name] = isTradecacheError(err) ? err.code : 'ERROR';
        onError(name, errorMessage(err));
      }
    }
    return {
      removed,
      failed,
      totalRemoved,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
    };
  }
}
