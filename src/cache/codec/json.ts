import type { Codec } from './codec.ts';

/**
 * Plain JSON. What survives a round trip: strings (decimal strings such as "0.00012300" stay
 * exact), finite numbers, booleans, null, arrays and plain objects. Lossy: a Date becomes its ISO
 * string, a Buffer becomes `{ type: 'Buffer', data: [...] }`, `undefined` properties vanish,
 * NaN/Infinity become null; a BigInt throws.
 *
 * Default codec: decoding is the hot path (every L2 hit) and JSON.parse wins there. Measured with
 * bench/cache-codec.ts on the 1 KiB Binance ticker payload (Node 20.20, 2 shared cores):
 * json 1007 B, decode 264k ops/s, encode 211k ops/s; msgpackr 833 B, decode 214k ops/s,
 * encode 241k ops/s.
 */
export const jsonCodec: Codec = {
  id: 1,
  name: 'json',
  // `undefined` has no JSON form: stored as null (a cached "not found").
  encode: (value) => JSON.stringify(value) ?? 'null',
  decode: (bytes) => JSON.parse(bytes.toString('utf8')),
};
