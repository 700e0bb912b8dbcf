import { Redis } from 'ioredis';

/**
 * Runs `check` on a one-shot, non-retrying connection to a loopback Redis; `null` when the
 * server does not answer (not up yet, wrong password, not a Redis).
 */
export async function probeRedis<T>(
  port: number,
  password: string,
  check: (client: Redis) => Promise<T>,
): Promise<T | null> {
  const probe = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return await check(probe);
  } catch {
    return null;
  } finally {
    probe.disconnect();
  }
}

/** PONG with our password. */
export async function answersPing(port: number, password: string): Promise<boolean> {
  return (await probeRedis(port, password, (c) => c.ping())) === 'PONG';
}

/** Answers and has finished loading its AOF (a loading Redis replies -LOADING to reads). */
export async function isLoaded(port: number, password: string): Promise<boolean> {
  const info = await probeRedis(port, password, (c) => c.info('persistence'));
  return info !== null && /loading:0/.test(info);
}
