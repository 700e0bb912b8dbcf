import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const RELEASE_SCRIPT_PATH = new URL('./lua/release-lease-1.lua', import.meta.url);
let releaseScript: string | null = null;

/**
 * A cross-process lease (`SET key token NX PX ttl`): whoever holds it does the expensive work
 * (an exchange fetch), everyone else waits for its result. If the holder dies, the lease expires
 * by itself and a waiter takes over.
 */
export class Lease {
  private constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly token: string,
  ) {}

  /** The lease, or `null` when another process holds it. */
  static async tryAcquire(redis: Redis, key: string, ttlMs: number): Promise<Lease | null> {
    const token = randomBytes(16).toString('hex');
    const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? new Lease(redis, key, token) : null;
  }

  static async isHeld(redis: Redis, key: string): Promise<boolean> {
    return (await redis.exists(key)) === 1;
  }

  /** Deletes the lease if we still own it (compare-and-delete in Lua). */
  async release(): Promise<boolean> {
    releaseScript ??= readFileSync(RELEASE_SCRIPT_PATH, 'utf8');
    const deleted = await this.redis.eval(releaseScript, 1, this.key, this.token);
    return deleted === 1;
  }
}
