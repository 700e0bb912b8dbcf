import { createHash, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Server-side secrets of the auth layer, derived from one master secret. */
export interface AuthSecrets {
  /** Pepper of the API key digests (HMAC-SHA256 key). */
  readonly apiKeyPepper: Buffer;
  /** Key that signs session bearer tokens. */
  readonly tokenKey: Buffer;
}

/**
 * Derives independent subkeys (HKDF-SHA256) from one master secret (≥ 32 bytes, e.g. from a
 * config variable), so operators manage one secret and a leak of one use does not expose the other.
 */
export function deriveAuthSecrets(master: Buffer | string): AuthSecrets {
  const ikm = typeof master === 'string' ? Buffer.from(master) : master;
  if (ikm.length < 32) throw new Error('the auth master secret must be at least 32 bytes');
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', ikm, 'tradecache-auth', label, 32));
  return { apiKeyPepper: derive('api-key-pepper-v1'), tokenKey: derive('session-token-v1') };
}

/**
 * Constant-time equality of two secrets of any length: both are hashed first, so
 * `timingSafeEqual` compares equal-length digests and the length of the secret does not leak.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
