import { ErrorCodes, TradecacheError } from '../errors.ts';

/** User ids allowed anywhere in sessions, auth and rate limiting. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Session ids: 32 random bytes in base64url (43 chars). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const PART_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;

/** Throws VALIDATION_FAILED unless `userId` is a legal user id (checked before it reaches a key). */
export function assertUserId(userId: unknown): string {
  if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'invalid user id', {
      context: { details: { pattern: USER_ID_PATTERN.source } },
    });
  }
  return userId;
}

/** True when `sessionId` has the shape of an id we issue (anything else cannot exist). */
export function isSessionId(sessionId: unknown): sessionId is string {
  return typeof sessionId === 'string' && SESSION_ID_PATTERN.test(sessionId);
}

function assertPart(part: string, what: string): string {
  if (!PART_PATTERN.test(part)) throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, `invalid ${what}`);
  return part;
}

/**
 * Keys of the sessions area. Everything that belongs to one user carries the hash tag
 * `{<userId>}`, so a user's sessions, session index and account live in one Cluster slot and
 * can be read in one pipeline or written in one MULTI.
 */
export function createSessionKeys(prefix: string) {
  if (!PREFIX_PATTERN.test(prefix)) throw new Error('invalid key prefix');
  const tag = (userId: string) => `{${assertUserId(userId)}}`;
  return {
    /** Encrypted session record (string, PX = session TTL). */
    session: (userId: string, sessionId: string) => `${prefix}:sessions:${tag(userId)}:s:${sessionId}`,
    /** ZSET sessionId → last activity (ms): the user's live sessions, oldest first. */
    sessionIndex: (userId: string) => `${prefix}:sessions:${tag(userId)}:index`,
    /** SCAN pattern matching every session index of this deployment. */
    sessionIndexPattern: `${prefix}:sessions:{*}:index`,
    /** sessionId → userId, for lookups by session id alone (seed: get_session_by_id). */
    sessionOwner: (sessionId: string) => `${prefix}:sessions:owner:${sessionId}`,
    /** HASH: API key digest, admin flag, creation time. No TTL. */
    account: (userId: string) => `${prefix}:users:${tag(userId)}:account`,
    /** SET of every user id, for listing without SCAN. */
    userIndex: `${prefix}:users:index`,
    /** JSON preferences. No TTL (durable user data). */
    preferences: (userId: string) => `${prefix}:users:${tag(userId)}:preferences`,
    /** HASH channel → JSON subscription. No TTL. */
    subscriptions: (userId: string) => `${prefix}:users:${tag(userId)}:subscriptions`,
    /** Sliding-window log (ZSET) of one subject for one action. */
    rateLimit: (action: string, subject: string) =>
      `${prefix}:ratelimit:${assertPart(action, 'rate limit action')}:${assertPart(subject, 'rate limit subject')}`,
    /**
     * ZSET of one user id's recent login failures from one address (see `loginAddress`). Tagged by
     * the address, like `loginAddressFailures`: the login-attempt script checks both at once.
     */
    loginUserAddressFailures: (address: string, userId: string) =>
      `${prefix}:login:addr:{${assertPart(address, 'login address')}}:user:${assertUserId(userId)}`,
    /** ZSET of one address's recent login failures, whatever the user id (stops sprays). */
    loginAddressFailures: (address: string) =>
      `${prefix}:login:addr:{${assertPart(address, 'login address')}}:failures`,
    /** HASH: one user id's login failures from every address (two-window counter, alerts only). */
    loginUserFailures: (userId: string) => `${prefix}:login:user:${tag(userId)}:failures`,
  };
}

export type SessionKeys = ReturnType<typeof createSessionKeys>;
