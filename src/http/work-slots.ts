import { ErrorCodes, TradecacheError } from '../errors.ts';

/** Seconds a refused caller is told to wait: long enough for a slot's work to move on. */
const DEFAULT_RETRY_AFTER_SEC = 5;

interface Waiter {
  grant(): void;
}

/**
 * A per-process bound on expensive requests (history fetches, streamed answers, backtests):
 * `slots` run at once, `maxQueued` more wait their turn, anything past that is refused at once
 * with SERVER_BUSY (503 + Retry-After) instead of piling up until the event loop or the memory
 * gives out and `/health` stops answering.
 */
export class WorkSlots {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly slots: number,
    private readonly maxQueued: number,
    private readonly retryAfterSec = DEFAULT_RETRY_AFTER_SEC,
  ) {}

  /**
   * Takes a slot, waiting in line when all are taken; returns its release (idempotent). A
   * caller whose `signal` fires while waiting leaves the line with ABORTED.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw gone(signal.reason);
    if (this.active < this.slots) {
      this.active++;
      return this.releaser();
    }
    if (this.queue.length >= this.maxQueued) {
      throw new TradecacheError(
        ErrorCodes.SERVER_BUSY,
        'too many expensive requests in progress, retry later',
        {
          context: { retryAfterSec: this.retryAfterSec, running: this.active, waiting: this.queue.length },
        },
      );
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at !== -1) this.queue.splice(at, 1);
        reject(gone(signal?.reason));
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
    return this.releaser();
  }

  /** Slots in use and callers waiting, for logs and tests. */
  usage(): { running: number; waiting: number } {
    return { running: this.active, waiting: this.queue.length };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next in line, so `active` never dips below the load.
      const next = this.queue.shift();
      if (next) next.grant();
      else this.active--;
    };
  }
}

function gone(cause: unknown): TradecacheError {
  return new TradecacheError(ErrorCodes.ABORTED, 'request abandoned while waiting for a slot', { cause });
}
