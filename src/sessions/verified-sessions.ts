import type { CacheNamespace } from '../cache/index.ts';

/** What a verified token resolved to, without any personal session data. */
export interface VerifiedSession {
  readonly userId: string;
  readonly isAdmin: boolean;
  readonly lastActivityAt: number;
  readonly expiresAt: number;
}

/** How long a verification is reused: short, and invalidation below makes it exact anyway. */
const REUSE_MS = 5_000;

/**
 * Verified sessions kept in the cache engine (L1 in every process, L2 in Redis), so an
 * authenticated request usually costs no Redis read. Logout, eviction and revocation call
 * `forget`, which the engine's bus spreads to every process: a revoked token is refused at once,
 * not after the reuse window.
 */
export class VerifiedSessions {
  constructor(
    private readonly cache: CacheNamespace<VerifiedSession>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The verification of `sessionId`, if recent and the session has not expired since. */
  async get(sessionId: string): Promise<VerifiedSession | undefined> {
    let hit: VerifiedSession | undefined;
    try {
      hit = await this.cache.get(sessionId);
    } catch {
      return undefined; // unreadable: verify against Redis instead
    }
    return hit && this.now() < hit.expiresAt ? hit : undefined;
  }

  async remember(sessionId: string, verified: VerifiedSession): Promise<void> {
    const ttlMs = Math.min(REUSE_MS, verified.expiresAt - this.now());
    if (ttlMs > 0) await this.cache.set(sessionId, verified, { ttlMs });
  }

  async forget(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length > 0) await this.cache.deleteMany([...sessionIds]);
  }
}
