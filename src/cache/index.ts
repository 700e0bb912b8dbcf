/** Public API of the cache engine. */

export { AesGcmCipher, type AesGcmKeyring, parseKeyring } from '../crypto/aes-gcm.ts';
export { assertCacheKey, assertKeyPattern } from '../redis/keys/index.ts';
export type { Codec } from './codec/codec.ts';
export type { CacheEntry } from './codec/envelope.ts';
export { jsonCodec } from './codec/json.ts';
export { msgpackCodec } from './codec/msgpack.ts';
export { type CacheEngine, createCacheEngine } from './engine.ts';
export { type CacheItem, CacheNamespace } from './namespace.ts';
export {
  type CacheCallOptions,
  type CachedRepository,
  type CachedRepositoryOptions,
  cachedRepository,
  type Invalidation,
} from './repository.ts';
export type {
  CacheEngineOptions,
  CacheNamespaceStats,
  CacheResult,
  CacheSource,
  Factory,
  FactoryContext,
  FixedKeyLayout,
  GetOrSetOptions,
  NamespaceOptions,
  RefreshOptions,
  SetOptions,
} from './types.ts';
