/**
 * Where the Keyv store adapter (src/keyv/) puts Keyv's data: each Keyv namespace is a cache
 * namespace of its own, `<base>.<keyv namespace>` (`keyv.sessions`), so Keyv's `clear()` is the
 * engine's namespace clear and Keyv data never mixes with the service's namespaces. Keyv keys
 * are any string; here they become cache keys without losing their identity.
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { assertCacheKey, assertNamespace } from './validators.ts';

/** The cache namespace of Keyv namespace `keyvNamespace` under `base` (`base` alone without one). */
export function keyvCacheNamespace(base: string, keyvNamespace: string | undefined): string {
  assertNamespace(base);
  if (keyvNamespace === undefined || keyvNamespace === '') return base;
  return assertNamespace(`${base}.${keyvNamespace}`);
}

// In `u` mode a valid surrogate pair is one code point: only a lone half matches.
const LONE_SURROGATE = /\p{Cs}/u;
// The cache-key alphabet (validators.ts) without `%`, which opens an escape here.
const UNESCAPED = /^[!-$&-)+->@-Z^-z|~]$/;

/**
 * A Keyv key as a cache key: every character outside the cache-key alphabet (spaces, `*?[]\`,
 * braces, non-ASCII), `%` itself and a leading `~` become `%XX` of their UTF-8 bytes, so two
 * different keys never share a cache key. Refused (VALIDATION_FAILED): an empty key, one with a
 * lone surrogate, and one longer than 512 characters once escaped.
 */
export function keyvCacheKey(key: string): string {
  if (typeof key !== 'string' || LONE_SURROGATE.test(key)) {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'illegal Keyv key: not a well-formed string');
  }
  let out = '';
  for (const ch of key) {
    if (UNESCAPED.test(ch)) out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.startsWith('~')) out = `%7E${out.slice(1)}`;
  return assertCacheKey(out);
}
