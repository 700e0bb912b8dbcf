/**
 * "Full jitter" exponential backoff (AWS architecture blog): a uniformly random delay in
 * [0, min(cap, base * 2^attempt)]. Spreads reconnecting clients so a restarted Redis or
 * exchange is not hit by all of them at once.
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
