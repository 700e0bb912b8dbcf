/**
 * Polls `probe` until it returns a truthy value and returns that value; fails the test after
 * `timeoutMs`. A wait for a condition, not a speed check: the bound only stops a hung test.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<NonNullable<T>> {
  for (let waited = 0; ; waited += intervalMs) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (waited >= timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
