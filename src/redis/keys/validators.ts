/**
 * What may go into a Redis key. User input reaches a key only through one of these checks, so it
 * can neither escape its area (no `:`), nor smuggle SCAN glob characters (`* ? [ ] \`) or Cluster
 * hash-tag braces into a key or a pattern. Every refusal is VALIDATION_FAILED (HTTP 400).
 */
import { KEY_PART_CHARS } from '../../config/parse.ts';
import { ErrorCodes, TradecacheError } from '../../errors.ts';

export { assertInterval, assertMarket, assertSymbol } from '../../trading/index.ts';

const part = (max: number) => new RegExp(`^[${KEY_PART_CHARS}]{1,${max}}$`);

/** A key part of ours: an action, a namespace, a metric name, a prefix. */
export const KEY_PART_PATTERN = part(128);
/** User ids allowed anywhere in sessions, auth, rate limiting, alerts. */
export const USER_ID_PATTERN = part(64);
/** Session ids: 32 random bytes in base64url (43 chars). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
// Cache keys are callers' own strings: printable ASCII without glob characters (* ? [ ] \),
// hash-tag braces and spaces. Patterns may add `*` as their only glob character.
const CACHE_KEY = /^[!-)+->@-Z^-z|~]{1,512}$/;
const CACHE_KEY_PATTERN = /^[!->@-Z^-z|~]{1,512}$/;

function refuse(what: string, value: unknown, max = 40): TradecacheError {
  const shown = JSON.stringify(String(value)).slice(0, max);
  return new TradecacheError(ErrorCodes.VALIDATION_FAILED, `illegal ${what}: ${shown}`);
}

/** One part of a key (between two `:`). */
export function assertKeyPart(value: string, what = 'key part'): string {
  if (typeof value !== 'string' || !KEY_PART_PATTERN.test(value)) throw refuse(what, value);
  return value;
}

/** A cache namespace name: one key part of at most 64 characters. */
export function assertNamespace(name: string): string {
  if (typeof name !== 'string' || name.length > 64 || !KEY_PART_PATTERN.test(name)) {
    throw refuse('cache namespace', name);
  }
  return name;
}

/** A key inside a cache namespace (the caller's own string); `~` opens our internal keys. */
export function assertCacheKey(key: string): string {
  if (typeof key !== 'string' || !CACHE_KEY.test(key) || key.startsWith('~'))
    throw refuse('cache key', key, 60);
  return key;
}

/** A key pattern for invalidation: a cache key whose only glob character is `*`. */
export function assertKeyPattern(pattern: string): string {
  if (typeof pattern !== 'string' || !CACHE_KEY_PATTERN.test(pattern) || pattern.startsWith('~')) {
    throw refuse('cache key pattern', pattern, 60);
  }
  return pattern;
}

/** Throws VALIDATION_FAILED unless `userId` is a legal user id (checked before it reaches a key). */
export function assertUserId(userId: unknown): string {
  if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      'user id: expected 1-64 characters of A-Z a-z 0-9 _ . @ -',
      {
        context: { details: { pattern: USER_ID_PATTERN.source } },
      },
    );
  }
  return userId;
}

/** True when `sessionId` has the shape of an id we issue (anything else cannot exist). */
export function isSessionId(sessionId: unknown): sessionId is string {
  return typeof sessionId === 'string' && SESSION_ID_PATTERN.test(sessionId);
}
