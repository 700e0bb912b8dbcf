import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CacheEntry, decodeEntry, encodeEntry } from '../../src/cache/codec/envelope.ts';
import { AesGcmCipher, assertCacheKey, jsonCodec, msgpackCodec } from '../../src/cache/index.ts';
import { deepFreeze } from '../../src/deep-freeze.ts';
import { createCacheKeys } from '../../src/redis/keys/index.ts';

const entry = (value: unknown): CacheEntry => ({
  value,
  createdAt: 1_700_000_000_000,
  expiresAt: 1_700_000_060_000,
  staleUntil: 1_700_000_120_000,
  keepUntil: Number.POSITIVE_INFINITY,
});
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
/** JSON values without `__proto__` keys, which msgpackr renames on purpose (tested below). */
const msgpackSafeValue = fc
  .jsonValue()
  .map((v) => JSON.parse(JSON.stringify(v), (k, x) => (k === '__proto__' ? undefined : x)) as unknown);
const cipher = new AesGcmCipher({ keys: new Map([['k1', randomBytes(32)]]), currentKeyId: 'k1' });

describe('cache envelope', () => {
  it.each([
    ['json', jsonCodec, jsonValue],
    ['msgpack', msgpackCodec, msgpackSafeValue],
  ])(
    'round-trips JSON values and lifetimes with %s, compressed or not, encrypted or not',
    (_, codec, values) => {
      fc.assert(
        fc.property(values, fc.boolean(), fc.boolean(), (value, compress, encrypt) => {
          const options = {
            codec,
            compressThresholdBytes: compress ? 0 : 1 << 20,
            cipher: encrypt ? cipher : undefined,
          };
          const decoded = decodeEntry(encodeEntry(entry(value), 'p:ns:k', options).bytes, 'p:ns:k', options);
          expect(decoded.value).toEqual(value);
          expect(decoded.keepUntil).toBe(Number.POSITIVE_INFINITY);
          expect(decoded.expiresAt).toBe(1_700_000_060_000);
        }),
        { numRuns: 200 },
      );
    },
  );

  it('keeps a __proto__ key with JSON; msgpack renames it rather than touch a prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"lastPrice":"1.0"}') as object;
    const [json, msgpack] = [jsonCodec, msgpackCodec].map((codec) => {
      const options = { codec, compressThresholdBytes: 4096 };
      return decodeEntry(encodeEntry(entry(value), 'k', options).bytes, 'k', options).value as object;
    });
    expect(json).toEqual(value);
    expect(msgpack).toEqual({ __proto_: { polluted: true }, lastPrice: '1.0' });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('keeps decimal strings exact with both codecs', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,12}\.\d{1,8}0*$/), (price) => {
        for (const codec of [jsonCodec, msgpackCodec]) {
          const options = { codec, compressThresholdBytes: 4096 };
          expect(decodeEntry(encodeEntry(entry({ price }), 'k', options).bytes, 'k', options).value).toEqual({
            price,
          });
        }
      }),
    );
  });

  it('documents which types survive: msgpack keeps Date, BigInt and Buffer; JSON does not', () => {
    const value = { at: new Date(1_634_944_401_452), big: 2n ** 70n, raw: Buffer.from([1, 2, 3]) };
    const msgpack = { codec: msgpackCodec, compressThresholdBytes: 4096 };
    expect(decodeEntry(encodeEntry(entry(value), 'k', msgpack).bytes, 'k', msgpack).value).toEqual(value);
    const json = { codec: jsonCodec, compressThresholdBytes: 4096 };
    expect(() => encodeEntry(entry(value), 'k', json)).toThrow(); // BigInt has no JSON form
    const { at, raw } = decodeEntry(
      encodeEntry(entry({ at: value.at, raw: value.raw }), 'k', json).bytes,
      'k',
      json,
    ).value as { at: unknown; raw: unknown };
    expect(at).toBe('2021-10-22T23:13:21.452Z');
    expect(raw).toEqual({ type: 'Buffer', data: [1, 2, 3] });
  });

  it('reads values written by the other built-in codec', () => {
    const written = encodeEntry(entry({ a: 1 }), 'k', { codec: msgpackCodec, compressThresholdBytes: 4096 });
    expect(decodeEntry(written.bytes, 'k', { codec: jsonCodec, compressThresholdBytes: 4096 }).value).toEqual(
      { a: 1 },
    );
  });

  it('detects any flipped byte of an encrypted value', () => {
    const options = { codec: jsonCodec, compressThresholdBytes: 4096, cipher };
    const sealed = encodeEntry(entry({ token: 'secret' }), 'p:sessions:s1', options).bytes;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sealed.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (i, mask) => {
          const copy = Buffer.from(sealed);
          copy[i] = (copy[i] ?? 0) ^ mask;
          expect(() => decodeEntry(copy, 'p:sessions:s1', options)).toThrow();
        },
      ),
    );
  });
});

describe('cache keys', () => {
  it('accept printable keys without glob or hash-tag characters and keep them in their namespace', () => {
    const keys = createCacheKeys('tc:cache', 'tickers');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), (key) => {
        let ok = true;
        try {
          assertCacheKey(key);
        } catch {
          ok = false;
        }
        const safe = /^[\x21-\x7e]+$/.test(key) && !/[*?[\]\\{}]/.test(key) && !key.startsWith('~');
        expect(ok).toBe(safe);
        if (ok) {
          expect(keys.value(key).startsWith('tc:cache:tickers:')).toBe(true);
          expect(keys.keyOf(keys.value(key))).toBe(key);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rejects namespaces that could reach into another namespace', () => {
    expect(() => createCacheKeys('p', 'a:b')).toThrow();
    expect(() => createCacheKeys('p', 'a*')).toThrow();
    expect(() => assertCacheKey('~tag:x')).toThrow();
  });
});

describe('L1 values', () => {
  it('are deep-frozen so a caller cannot corrupt the next hit', () => {
    const value = deepFreeze({ book: { bids: [['1', '2']] }, raw: Buffer.from('x') });
    expect(Object.isFrozen(value.book.bids[0])).toBe(true);
    expect(() => {
      (value.book.bids as string[][]).push(['3', '4']);
    }).toThrow();
  });
});
