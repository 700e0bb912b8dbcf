import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ErrorCodes, TradecacheError } from '../errors.ts';

/**
 * AES-256-GCM envelope with key rotation (the Python platform's EncryptedCache, done properly).
 *
 * Layout: `v1` (2 bytes) | key-id length (1) | key id | IV (12) | auth tag (16) | ciphertext.
 * The key id travels with the value, so data written under an old key stays readable after
 * rotation while new writes use the current key. GCM's tag detects any tampering.
 */
export interface AesGcmKeyring {
  /** Key id → 32-byte key. */
  readonly keys: ReadonlyMap<string, Buffer>;
  /** Id of the key new values are encrypted with. */
  readonly currentKeyId: string;
}

const VERSION = Buffer.from('v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class AesGcmCipher {
  private readonly current: Buffer;
  private readonly currentId: Buffer;

  constructor(private readonly keyring: AesGcmKeyring) {
    for (const [id, key] of keyring.keys) {
      if (key.length !== 32) throw new Error(`encryption key ${id} must be 32 bytes`);
      if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id))
        throw new Error('encryption key ids are 1-32 chars of A-Z a-z 0-9 _ . -');
    }
    const current = keyring.keys.get(keyring.currentKeyId);
    if (!current) throw new Error(`current encryption key ${keyring.currentKeyId} is not in the keyring`);
    this.current = current;
    this.currentId = Buffer.from(keyring.currentKeyId);
  }

  /** Encrypts `plain`; `aad` (e.g. the Redis key) binds the value to where it is stored. */
  encrypt(plain: Buffer, aad?: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    if (aad) cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const header = Buffer.from([this.currentId.length]);
    return Buffer.concat([VERSION, header, this.currentId, iv, cipher.getAuthTag(), body]);
  }

  /** Decrypts, or throws CACHE_DECRYPT_FAILED for tampered, truncated or unknown-key data. */
  decrypt(sealed: Buffer, aad?: Buffer): Buffer {
    const fail = (why: string) =>
      new TradecacheError(ErrorCodes.CACHE_DECRYPT_FAILED, `cannot decrypt value: ${why}`);
    if (sealed.length < 3 || !sealed.subarray(0, 2).equals(VERSION)) throw fail('unknown format');
    const idLength = sealed[2] ?? 0;
    const idEnd = 3 + idLength;
    const keyId = sealed.subarray(3, idEnd).toString();
    const key = this.keyring.keys.get(keyId);
    if (!key) throw fail(`unknown key id ${keyId}`);
    if (sealed.length < idEnd + IV_BYTES + TAG_BYTES) throw fail('truncated');
    const iv = sealed.subarray(idEnd, idEnd + IV_BYTES);
    const tag = sealed.subarray(idEnd + IV_BYTES, idEnd + IV_BYTES + TAG_BYTES);
    const body = sealed.subarray(idEnd + IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      if (aad) decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch (err) {
      throw new TradecacheError(
        ErrorCodes.CACHE_DECRYPT_FAILED,
        'cannot decrypt value: authentication failed',
        {
          cause: err,
        },
      );
    }
  }

  /** Key id a sealed value was written with (for re-encrypting after rotation). */
  static keyIdOf(sealed: Buffer): string | null {
    if (sealed.length < 3 || !sealed.subarray(0, 2).equals(VERSION)) return null;
    return sealed.subarray(3, 3 + (sealed[2] ?? 0)).toString();
  }
}

/**
 * Parses `kid:base64key[,kid:base64key...]`; the first key is current. Used for
 * `CACHE_ENCRYPTION_KEYS`. Throws without echoing key material.
 */
export function parseKeyring(spec: string): AesGcmKeyring {
  const keys = new Map<string, Buffer>();
  let currentKeyId: string | null = null;
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new Error('expected kid:base64key entries separated by commas');
    const id = part.slice(0, colon);
    const key = Buffer.from(part.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new Error(`key ${id} must decode to 32 bytes`);
    keys.set(id, key);
    currentKeyId ??= id;
  }
  if (currentKeyId === null) throw new Error('no keys given');
  return { keys, currentKeyId };
}
