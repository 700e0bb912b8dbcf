/**
 * Keys of users, sessions and rate limits.
 *
 * Hash tags: everything that belongs to one user carries `{<userId>}`, so a user's sessions,
 * session index, account, preferences and subscriptions live in one Cluster slot and can be
 * read in one pipeline or written in one MULTI. A rate-limit key is alone in its script; the two
 * keys the login-attempt script checks together share the address's tag `{<address>}`.
 */
import { assertKeyPart, assertUserId } from './validators.ts';

export function createSessionKeys(root: string) {
  const tag = (userId: string) => `{${assertUserId(userId)}}`;
  return {
    /** Encrypted session record (string, PX = session TTL). */
    session: (userId: string, sessionId: string) => `${root}:sessions:${tag(userId)}:s:${sessionId}`,
    /** ZSET sessionId → last activity (ms): the user's live sessions, oldest first. */
    sessionIndex: (userId: string) => `${root}:sessions:${tag(userId)}:index`,
    /** SCAN pattern matching every session index of this deployment. */
    sessionIndexPattern: `${root}:sessions:{*}:index`,
    /** sessionId → userId, for lookups by session id alone. */
    sessionOwner: (sessionId: string) => `${root}:sessions:owner:${sessionId}`,
    /** HASH: API key digest, admin flag, creation time. No TTL. */
    account: (userId: string) => `${root}:users:${tag(userId)}:account`,
    /** SET of every user id, for listing without SCAN. */
    userIndex: `${root}:users:index`,
    /** JSON preferences. No TTL (durable user data). */
    preferences: (userId: string) => `${root}:users:${tag(userId)}:preferences`,
    /** HASH channel → JSON subscription. No TTL. */
    subscriptions: (userId: string) => `${root}:users:${tag(userId)}:subscriptions`,
    /**
     * ZSET connectionId → expiry (ms) of the user's open WebSockets; a connection whose process
     * died stops being refreshed and is dropped once its expiry passes.
     */
    socketConnections: (userId: string) => `${root}:users:${tag(userId)}:ws`,
    /** SET of the channels one WebSocket is subscribed to; TTL refreshed by the heartbeat. */
    socketSubscriptions: (userId: string, connectionId: string) =>
      `${root}:users:${tag(userId)}:ws:${assertKeyPart(connectionId, 'connection id')}`,
    /** Sliding-window log (ZSET) or counter (HASH) of one subject for one action. */
    rateLimit: (action: string, subject: string) =>
      `${root}:ratelimit:${assertKeyPart(action, 'rate limit action')}:${assertKeyPart(subject, 'rate limit subject')}`,
    /**
     * ZSET of one user id's recent login failures from one address (see `loginAddress`). Tagged by
     * the address, like `loginAddressFailures`: the login-attempt script checks both at once.
     */
    loginUserAddressFailures: (address: string, userId: string) =>
      `${root}:login:addr:{${assertKeyPart(address, 'login address')}}:user:${assertUserId(userId)}`,
    /** ZSET of one address's recent login failures, whatever the user id (stops sprays). */
    loginAddressFailures: (address: string) =>
      `${root}:login:addr:{${assertKeyPart(address, 'login address')}}:failures`,
    /** HASH: one user id's login failures from every address (two-window counter, alerts only). */
    loginUserFailures: (userId: string) => `${root}:login:user:${tag(userId)}:failures`,
  };
}

export type SessionKeys = ReturnType<typeof createSessionKeys>;
