import { aborted } from './kline-pager.ts';

interface Flight<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  /** Callers still waiting; one without a signal never leaves. */
  waiters: number;
}

/**
 * Work several callers wait for (one exchange pass for one kline range), started once and
 * cancelled only when the last caller waiting for it leaves: a client that disconnects stops a
 * fetch nobody else needs, and never one another client is still waiting for.
 */
export class SharedFlights<T> {
  private readonly running = new Map<string, Flight<T>>();

  /**
   * Joins the flight of `key`, or starts it with `work`. When `signal` fires this caller gets
   * ABORTED (at once, unless it was the last one); the work's own signal fires when no caller
   * is left.
   */
  join(key: string, work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(aborted(signal.reason));
    let flight = this.running.get(key);
    if (!flight) {
      const controller = new AbortController();
      const promise = Promise.resolve()
        .then(() => work(controller.signal))
        .finally(() => {
          if (this.running.get(key) === started) this.running.delete(key);
        });
      // A flight every caller left may still fail; nobody is there to be told.
      promise.catch(() => {});
      const started: Flight<T> = { promise, controller, waiters: 0 };
      flight = started;
      this.running.set(key, started);
    }
    const joined = flight;
    joined.waiters++;
    if (!signal) return joined.promise;
    return new Promise<T>((resolve, reject) => {
      let left = false;
      const leave = () => {
        left = true;
        joined.waiters--;
        if (joined.waiters === 0) {
          // Forgotten at once: a caller arriving now starts afresh instead of joining a flight
          // that is winding down.
          if (this.running.get(key) === joined) this.running.delete(key);
          joined.controller.abort(signal.reason);
          // The last caller hears back once the work has stopped (its last chunk stored), so
          // a retry resumes from what is stored instead of racing the winding-down fetch.
          const told = () => reject(aborted(signal.reason));
          joined.promise.then(told, told);
          return;
        }
        reject(aborted(signal.reason));
      };
      signal.addEventListener('abort', leave, { once: true });
      joined.promise.then(
        (value) => {
          signal.removeEventListener('abort', leave);
          if (!left) resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', leave);
          if (!left) reject(err);
        },
      );
    });
  }

  /** True while a flight of `key` has callers. */
  has(key: string): boolean {
    return this.running.has(key);
  }
}
