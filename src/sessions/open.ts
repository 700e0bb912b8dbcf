import type { CacheEngine } from '../cache/index.ts';
import type { Config } from '../config/types.ts';
import { AesGcmCipher, parseKeyring } from '../crypto/aes-gcm.ts';
import type { RedisClient } from '../redis/client.ts';
import { DurableAck } from '../redis/durable-ack.ts';
import type { SessionKeys } from '../redis/keys/index.ts';
import { SessionAuthenticator } from './authenticator.ts';
import { LoginLimiter } from './login-limiter.ts';
import { UserPreferencesStore } from './preferences-store.ts';
import { RateLimiter } from './rate-limiter.ts';
import { deriveAuthSecrets } from './secrets.ts';
import { UserSessionCache } from './session-cache.ts';
import { SessionTokens } from './tokens.ts';
import { UserDirectory } from './user-directory.ts';
import { type VerifiedSession, VerifiedSessions } from './verified-sessions.ts';

export interface SessionServices {
  readonly sessions: UserSessionCache;
  readonly preferences: UserPreferencesStore;
  readonly users: UserDirectory;
  readonly authenticator: SessionAuthenticator;
  readonly limiter: RateLimiter;
  /** Failed-login budgets of `POST /api/v1/auth/login`. */
  readonly loginLimiter: LoginLimiter;
}

/** Resolved secrets: configured ones, else those generated in the data dir. */
export interface SessionSecrets {
  authSecret: string;
  encryptionKeys: string;
}

/** Sessions, users, preferences, auth and rate limits on one Redis connection. */
export function openSessions(
  config: Config,
  redis: RedisClient,
  keys: SessionKeys,
  secrets: SessionSecrets,
  cache?: CacheEngine,
  durable: DurableAck = DurableAck.off,
): SessionServices {
  const { apiKeyPepper, tokenKey } = deriveAuthSecrets(secrets.authSecret);
  const verified = cache
    ? new VerifiedSessions(cache.namespace<VerifiedSession>('auth', { ttlMs: 5_000 }))
    : undefined;
  const sessions = new UserSessionCache({
    ...(verified
      ? { onSessionsEnded: (_userId: string, ids: readonly string[]) => verified.forget(ids) }
      : {}),
    redis,
    keys,
    durable,
    cipher: new AesGcmCipher(parseKeyring(secrets.encryptionKeys)),
    maxSessionsPerUser: config.auth.maxSessionsPerUser,
    defaultTtlSec: config.auth.sessionTtlSec,
  });
  const users = new UserDirectory({ redis, keys, pepper: apiKeyPepper, sessions, durable });
  const authenticator = new SessionAuthenticator({
    sessions,
    users,
    tokens: new SessionTokens(tokenKey),
    ...(config.auth.adminToken ? { adminToken: config.auth.adminToken } : {}),
    ...(verified ? { verified } : {}),
  });
  return {
    sessions,
    preferences: new UserPreferencesStore({ redis, keys, durable }),
    users,
    authenticator,
    limiter: new RateLimiter({ redis, keys }),
    loginLimiter: new LoginLimiter({ redis, keys, limits: config.auth.login }),
  };
}
