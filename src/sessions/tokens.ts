import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { isSessionId, USER_ID_PATTERN } from '../redis/keys/index.ts';

/** What a valid token names; the session must still be checked in Redis. */
export interface TokenClaims {
  readonly userId: string;
  readonly sessionId: string;
}

const MAX_TOKEN_LENGTH = 256;
/** Authentic tokens remembered per process: about one per active session, ~0.3 KiB each. */
const AUTHENTIC_TOKENS_KEPT = 10_000;

/**
 * Bearer tokens bound to a session: `<base64url(userId)>.<sessionId>.<HMAC-SHA256>`.
 *
 * Why not the bare session id: with a MAC, session ids are not bearer secrets, so they can be
 * listed (GET /sessions), logged and used to delete a session without handing out a credential;
 * forged or tampered tokens are rejected without a Redis round trip (cheap under brute force);
 * and the user id inside lets one pipelined read fetch the session and the account together.
 * The token carries no expiry of its own: the session in Redis decides, so logout, revocation
 * and TTL expiry take effect at once.
 */
export class SessionTokens {
  /**
   * Tokens whose MAC already checked out → their claims. Authenticity is a pure function of the
   * token string and our key, so remembering it is exact (nothing to invalidate: whether the
   * session is still alive is asked every time by the caller). It spares the HMAC and the base64
   * round trips on every request of a client that sends the same token again and again. Only
   * authentic tokens get in, so forged ones cannot flush it; a miss just verifies again.
   */
  private readonly authentic = new LRUCache<string, TokenClaims>({ max: AUTHENTIC_TOKENS_KEPT });

  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the token key must be at least 32 bytes');
  }

  issue(userId: string, sessionId: string): string {
    return `${Buffer.from(userId).toString('base64url')}.${sessionId}.${this.mac(userId, sessionId).toString('base64url')}`;
  }

  /** The claims of an authentic token, or null for anything malformed, forged or tampered. */
  verify(token: string): TokenClaims | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
    const known = this.authentic.get(token);
    if (known) return known;
    const claims = this.check(token);
    if (claims) this.authentic.set(token, claims);
    return claims;
  }

  private check(token: string): TokenClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [encodedUser, sessionId, mac] = parts as [string, string, string];
    const userId = Buffer.from(encodedUser, 'base64url').toString('utf8');
    if (!USER_ID_PATTERN.test(userId) || !isSessionId(sessionId)) return null;
    // Reject non-canonical encodings, so one session has exactly one valid token string.
    if (Buffer.from(userId).toString('base64url') !== encodedUser) return null;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(userId, sessionId);
    if (given.length !== expected.length || given.toString('base64url') !== mac) return null;
    // Frozen: the same claims object is handed out for every request carrying this token.
    return timingSafeEqual(given, expected) ? Object.freeze({ userId, sessionId }) : null;
  }

  private mac(userId: string, sessionId: string): Buffer {
    return createHmac('sha256', this.key).update(`tradecache-session-v1\0${userId}\0${sessionId}`).digest();
  }
}
