import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AesGcmCipher } from '../../crypto/aes-gcm.ts';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { Codec } from './codec.ts';
import { jsonCodec } from './json.ts';
import { msgpackCodec } from './msgpack.ts';

/**
 * One cached value with its lifetime. Windows, in order: fresh until `expiresAt`, stale (served
 * when a refresh fails, grace) until `staleUntil`, last-good until `keepUntil` (Infinity = kept).
 */
export interface CacheEntry<T = unknown> {
  value: T;
  createdAt: number;
  expiresAt: number;
  staleUntil: number;
  keepUntil: number;
}

export interface EnvelopeOptions {
  codec: Codec;
  compressThresholdBytes: number;
  cipher?: AesGcmCipher | undefined;
}

/*
 * Layout: version (1) | flags (1: bit0 deflated, bit1 encrypted) | codec id (1) | body.
 * body (sealed with AES-GCM when encrypted, AAD = header + the Redis key) = createdAt, expiresAt,
 * staleUntil, keepUntil as float64 BE (Infinity is representable) | payload (maybe deflated).
 * Timestamps are inside the seal so nobody can extend a value's life by editing Redis.
 */
const VERSION = 1;
const HEADER = 3;
const META = 32;
const DEFLATED = 1;
const ENCRYPTED = 2;
const BUILT_IN: ReadonlyMap<number, Codec> = new Map([
  [jsonCodec.id, jsonCodec],
  [msgpackCodec.id, msgpackCodec],
]);

/** AAD binds a sealed value to its key and header: moved or re-flagged values fail to open. */
function aadOf(header: Buffer, key: string): Buffer {
  return Buffer.concat([header, Buffer.from(key)]);
}

/** The encoded entry and the codec's output (its length is the L1 size estimate). */
export interface EncodedEntry {
  bytes: Buffer;
  payloadBytes: number;
}

export interface EncodedWrite extends EncodedEntry {
  /** The codec's output before compression/encryption: decoding it gives what readers will see. */
  payload: Buffer;
}

export function encodeEntry(entry: CacheEntry, key: string, options: EnvelopeOptions): EncodedWrite {
  const raw = options.codec.encode(entry.value);
  const plain = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const payloadBytes = plain.length;
  let payload = plain;
  let flags = 0;
  if (payload.length > options.compressThresholdBytes) {
    // Level 3: most of the size win on JSON at a fraction of level 6's CPU.
    payload = deflateRawSync(payload, { level: 3 });
    flags |= DEFLATED;
  }
  const meta = Buffer.allocUnsafe(META);
  meta.writeDoubleBE(entry.createdAt, 0);
  meta.writeDoubleBE(entry.expiresAt, 8);
  meta.writeDoubleBE(entry.staleUntil, 16);
  meta.writeDoubleBE(entry.keepUntil, 24);
  if (options.cipher) {
    flags |= ENCRYPTED;
    const header = Buffer.from([VERSION, flags, options.codec.id]);
    const sealed = options.cipher.encrypt(Buffer.concat([meta, payload]), aadOf(header, key));
    return {
      bytes: Buffer.concat([header, sealed]),
      payloadBytes,
      payload: plain,
    };
  }
  const header = Buffer.from([VERSION, flags, options.codec.id]);
  return { bytes: Buffer.concat([header, meta, payload]), payloadBytes, payload: plain };
}

// Module-level, not a closure per call: decodeEntry runs on every L2 read.
function undecodable(key: string, why: string): TradecacheError {
  return new TradecacheError(ErrorCodes.CACHE_DECODE_FAILED, `cannot decode cached value: ${why}`, {
    context: { key },
  });
}

/**
 * Decodes an envelope read at `key`. Throws CACHE_DECODE_FAILED for garbage and
 * CACHE_DECRYPT_FAILED for tampering, a wrong key, or a plaintext value planted in an
 * encrypted namespace.
 */
export function decodeEntry(bytes: Buffer, key: string, options: EnvelopeOptions): EncodedEntry & CacheEntry {
  if (bytes.length < HEADER || bytes[0] !== VERSION) throw undecodable(key, 'unknown envelope');
  const flags = bytes[1] ?? 0;
  if (flags & ~(DEFLATED | ENCRYPTED)) throw undecodable(key, 'unknown flags');
  const codecId = bytes[2] ?? 0;
  const codec = codecId === options.codec.id ? options.codec : BUILT_IN.get(codecId);
  if (!codec) throw undecodable(key, `unknown codec ${codecId}`);
  let body = bytes.subarray(HEADER);
  if (flags & ENCRYPTED) {
    if (!options.cipher) throw undecodable(key, 'value is encrypted but the namespace has no cipher');
    body = options.cipher.decrypt(body, aadOf(bytes.subarray(0, HEADER), key));
  } else if (options.cipher) {
    throw new TradecacheError(ErrorCodes.CACHE_DECRYPT_FAILED, 'plaintext value in an encrypted namespace', {
      context: { key },
    });
  }
  if (body.length < META) throw undecodable(key, 'truncated');
  let payload = body.subarray(META);
  if (flags & DEFLATED) payload = inflateRawSync(payload);
  let value: unknown;
  try {
    value = codec.decode(payload);
  } catch (err) {
    throw new TradecacheError(
      ErrorCodes.CACHE_DECODE_FAILED,
      `cannot decode cached value with ${codec.name}`,
      {
        context: { key },
        cause: err,
      },
    );
  }
  return {
    bytes,
    payloadBytes: payload.length,
    value,
    createdAt: body.readDoubleBE(0),
    expiresAt: body.readDoubleBE(8),
    staleUntil: body.readDoubleBE(16),
    keepUntil: body.readDoubleBE(24),
  };
}
