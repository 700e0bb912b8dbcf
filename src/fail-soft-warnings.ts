import type { Logger } from './logger.ts';

/** @default 10 s */
export const DEFAULT_WARNING_INTERVAL_MS = 10_000;

/** Distinct causes tracked at once; beyond it new causes share one bucket (a flood of unique errors stays bounded). */
const MAX_CAUSES = 100;

interface Window {
  /** Occurrences since the line that opened the window. */
  repeated: number;
  message: string;
  fields: Record<string, unknown>;
}

/**
 * Fail-soft warnings (a Redis read that answered "nothing", a cache tier skipped) happen once per
 * request while Redis is down: logged one by one, an outage at 1,000 req/s writes 1,000 lines a
 * second. This logs the first occurrence of a cause at once, counts the next ones, and writes one
 * line per cause per interval with that count (`repeated`) while it keeps happening; a cause
 * that stops leaves one last count and then nothing.
 */
export class FailSoftWarnings {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    /** Length of one counting window. @default 10 s */
    readonly intervalMs: number = DEFAULT_WARNING_INTERVAL_MS,
  ) {}

  /**
   * Logs `message` at warn, or counts it when `cause` already logged in this interval.
   * `cause` must be bounded (an error message, an operation name), never a key or a user input.
   */
  warn(cause: string, fields: Record<string, unknown>, message: string): void {
    let id = `${message}\u0000${cause}`;
    if (!this.windows.has(id) && this.windows.size >= MAX_CAUSES) id = `${message}\u0000(other causes)`;
    const open = this.windows.get(id);
    if (open) {
      open.repeated += 1;
      return;
    }
    this.windows.set(id, { repeated: 0, message, fields });
    this.logger.warn(fields, message);
    this.schedule();
  }

  /** Writes the pending counts now (at shutdown) and stops the timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush(false);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(true), this.intervalMs);
    // A pending count must not keep a finished CLI command alive.
    this.timer.unref();
  }

  /** One line per cause that repeated; a window that saw nothing more closes (next occurrence logs at once). */
  private flush(keepOpen: boolean): void {
    for (const [id, window] of this.windows) {
      if (window.repeated === 0) {
        this.windows.delete(id);
        continue;
      }
      this.logger.warn(
        { ...window.fields, repeated: window.repeated, intervalMs: this.intervalMs },
        `${window.message} (repeated)`,
      );
      if (keepOpen) window.repeated = 0;
      else this.windows.delete(id);
    }
    if (this.windows.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
