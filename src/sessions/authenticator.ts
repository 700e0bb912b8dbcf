import { secretsEqual } from './secrets.ts';
import type { SessionData, UserSessionCache } from './session-cache.ts';
import type { SessionTokens } from './tokens.ts';
import type { UserDirectory } from './user-directory.ts';
import type { VerifiedSessions } from './verified-sessions.ts';

/** Who made a request. */
export interface AuthUser {
  /** The user, or {@link ADMIN_TOKEN_PRINCIPAL} for the operator's admin token. */
  readonly userId: string;
  /** The session behind the token; null for the admin token. */
  readonly sessionId: string | null;
  readonly isAdmin: boolean;
}

/**
 * User id of requests made with the admin token. `~` is outside the user id charset, so it can
 * never collide with a real user nor reach a Redis key.
 */
export const ADMIN_TOKEN_PRINCIPAL = '~admin';

const ADMIN_USER: AuthUser = Object.freeze({ userId: ADMIN_TOKEN_PRINCIPAL, sessionId: null, isAdmin: true });

/** How often a session's TTL is slid: a tenth of the TTL, at most once a minute. */
const slideEveryMs = (ttlSec: number) => Math.min(60_000, (ttlSec * 1000) / 10);

export interface LoginResult {
  readonly token: string;
  readonly sessionId: string;
  /** Epoch ms (slides with activity). */
  readonly expiresAt: number;
}

export interface SessionAuthenticatorOptions {
  sessions: UserSessionCache;
  users: UserDirectory;
  tokens: SessionTokens;
  /** Operator token (ADMIN_TOKEN) granting admin rights without a user. */
  adminToken?: string;
  /** Reuses recent verifications so most requests skip the session and user reads. */
  verified?: VerifiedSessions;
  now?: () => number;
}

/**
 * Turns credentials into an {@link AuthUser}: API key → new session + token (login), token →
 * user (every request). Framework-free; the Fastify plugin wraps it.
 */
export class SessionAuthenticator {
  private readonly now: () => number;

  constructor(private readonly options: SessionAuthenticatorOptions) {
    this.now = options.now ?? Date.now;
    if (options.adminToken !== undefined && options.adminToken.length < 16) {
      throw new Error('the admin token must be at least 16 characters');
    }
  }

  /** A fresh session (new id on every login, so a planted session id is useless) or null for bad credentials. */
  async login(userId: string, apiKey: string, data: SessionData): Promise<LoginResult | null> {
    if (!(await this.options.users.verifyApiKey(userId, apiKey))) return null;
    const sessionId = await this.options.sessions.createSession(userId, data);
    const session = await this.options.sessions.getUserSession(userId, sessionId);
    if (!session) return null;
    return { token: this.options.tokens.issue(userId, sessionId), sessionId, expiresAt: session.expiresAt };
  }

  /**
   * The user behind a bearer token or cookie value, or null when the token is forged, tampered,
   * expired, logged out or its user revoked. The session is read from Redis, or from a recent
   * verification that logout and revocation erase in every process, so revocation is immediate.
   */
  async authenticate(token: string): Promise<AuthUser | null> {
    // The session token first: it is what nearly every request carries, and an authentic one is
    // remembered by `tokens`, so the common case costs no hashing at all. The admin token (any
    // string the operator chose) is tried only when the token is not an authentic session token.
    const claims = this.options.tokens.verify(token);
    if (!claims) {
      const { adminToken } = this.options;
      return adminToken !== undefined && secretsEqual(token, adminToken) ? ADMIN_USER : null;
    }
    const reused = await this.options.verified?.get(claims.sessionId);
    if (reused && reused.userId === claims.userId) {
      const ttlSec = Math.round((reused.expiresAt - reused.lastActivityAt) / 1000);
      if (this.now() - reused.lastActivityAt < slideEveryMs(ttlSec)) {
        return { userId: claims.userId, sessionId: claims.sessionId, isAdmin: reused.isAdmin };
      }
    }
    const [session, account] = await Promise.all([
      this.options.sessions.getUserSession(claims.userId, claims.sessionId),
      this.options.users.getUser(claims.userId),
    ]);
    if (!session || !account) return null;
    // Slide the TTL, but write at most once per tenth of the TTL (≤ 1 min): one write per
    // request would double the Redis load of every authenticated call.
    let { lastActivityAt, expiresAt } = session;
    if (this.now() - lastActivityAt >= slideEveryMs(session.ttlSec)) {
      await this.options.sessions.updateSessionActivity(claims.userId, claims.sessionId);
      lastActivityAt = this.now();
      expiresAt = lastActivityAt + session.ttlSec * 1000;
    }
    await this.options.verified?.remember(claims.sessionId, {
      userId: claims.userId,
      isAdmin: account.isAdmin,
      lastActivityAt,
      expiresAt,
    });
    return { userId: claims.userId, sessionId: claims.sessionId, isAdmin: account.isAdmin };
  }

  /** Ends the session of a token (logout). */
  async logout(user: AuthUser): Promise<void> {
    if (user.sessionId) await this.options.sessions.deleteSession(user.userId, user.sessionId);
  }
}
