import { ErrorCodes, TradecacheError } from '../errors.ts';

export interface TimeLimitOptions {
  timeoutMs: number;
  /** Aborts the work from outside (BullMQ's per-job signal, fired on shutdown past the deadline). */
  cancel?: AbortSignal;
  /** Facts for the JOB_TIMEOUT error (job name, id, attempt). */
  context: Record<string, unknown>;
}

/**
 * Runs `work` with a hard time limit, like Celery's `time_limit`: when the limit passes or
 * `cancel` fires, the signal given to `work` aborts and the returned promise rejects at once,
 * even if `work` ignores the signal. Work that ignores it keeps running detached until it
 * settles; we cannot kill a promise, only stop waiting for it.
 */
export async function runWithTimeLimit<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: TimeLimitOptions,
): Promise<T> {
  const controller = new AbortController();
  let onCancel: (() => void) | undefined;

  const stopped = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  // `stopped` only rejects when we abort; keep Node from reporting it when `work` won the race.
  stopped.catch(() => {});

  const timer = setTimeout(() => {
    controller.abort(
      new TradecacheError(ErrorCodes.JOB_TIMEOUT, `job exceeded its time limit of ${options.timeoutMs} ms`, {
        context: { ...options.context, timeoutMs: options.timeoutMs },
      }),
    );
  }, options.timeoutMs);

  const { cancel } = options;
  if (cancel) {
    onCancel = () => {
      controller.abort(
        new TradecacheError(ErrorCodes.ABORTED, 'job aborted: the worker is shutting down', {
          context: options.context,
          cause: cancel.reason,
        }),
      );
    };
    if (cancel.aborted) onCancel();
    else cancel.addEventListener('abort', onCancel, { once: true });
  }

  try {
    // `work` is called inside the race so a synchronous throw becomes a rejection too.
    return await Promise.race([Promise.resolve().then(() => work(controller.signal)), stopped]);
  } finally {
    clearTimeout(timer);
    if (cancel && onCancel) cancel.removeEventListener('abort', onCancel);
  }
}
