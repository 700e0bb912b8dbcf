/**
 * Retries for commands a Redis Cluster answered "not now" while a slot migrates. ioredis retries
 * a TRYAGAIN every `retryDelayOnTryAgain` (50 ms, cluster.ts) within one budget of
 * `maxRedirections` (16) that MOVED and ASK share, so a slot held migrating for more than ~0.8 s
 * fails a script or multi-key command whose keys are split between the two masters, or do not
 * all exist yet (both masters answer TRYAGAIN until the slot is assigned). Every answer in that budget was a
 * redirection, so the command did not run and may be sent again.
 */
const BACKOFF_MS = [200, 400, 800, 1600];

/** ioredis' "gave up" error (its last answer a redirection), or a TRYAGAIN that reached us. */
const STILL_MIGRATING =
  /^(TRYAGAIN |Too many Cluster redirections\. Last error: ReplyError: (MOVED|ASK|TRYAGAIN|CLUSTERDOWN) )/;

export function isStillMigrating(err: unknown): boolean {
  return err instanceof Error && STILL_MIGRATING.test(err.message);
}

/**
 * `call()`, called again after 0.2, 0.4, 0.8 and 1.6 s while it fails with a migration answer,
 * each call with ioredis' own budget again (about 7 s in all); any other result or error is
 * returned at once. On one
 * server such errors never come: the first answer is the answer.
 */
export async function whileMigrating<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = BACKOFF_MS[attempt];
      if (wait === undefined || !isStillMigrating(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
