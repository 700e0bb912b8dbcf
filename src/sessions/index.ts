// User ids and session ids are key parts: their rules live in the key registry.
export {
  assertUserId,
  isSessionId,
  SESSION_ID_PATTERN,
  type SessionKeys,
  USER_ID_PATTERN,
} from '../redis/keys/index.ts';
export {
  ADMIN_TOKEN_PRINCIPAL,
  type AuthUser,
  type LoginResult,
  SessionAuthenticator,
  type SessionAuthenticatorOptions,
} from './authenticator.ts';
export { loginAddress } from './login-address.ts';
export {
  DEFAULT_LOGIN_LIMITS,
  type LoginAttempt,
  type LoginFailureOutcome,
  LoginLimiter,
  type LoginLimits,
  type LoginRefusal,
} from './login-limiter.ts';
export {
  type NotificationPreferences,
  type Theme,
  type UserPreferences,
  userPreferencesSchema,
  validatePreferences,
} from './preferences.ts';
export { UserPreferencesStore, type UserPreferencesStoreOptions } from './preferences-store.ts';
export {
  type RateLimitDecision,
  RateLimiter,
  type RateLimitPrecision,
  type RateLimitSubject,
} from './rate-limiter.ts';
export { type AuthSecrets, deriveAuthSecrets, secretsEqual } from './secrets.ts';
export {
  type SessionData,
  type UserSession,
  UserSessionCache,
  type UserSessionCacheOptions,
} from './session-cache.ts';
export { SessionTokens, type TokenClaims } from './tokens.ts';
export {
  API_KEY_PATTERN,
  type UserAccount,
  UserDirectory,
  type UserDirectoryOptions,
} from './user-directory.ts';
