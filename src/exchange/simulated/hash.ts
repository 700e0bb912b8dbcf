/**
 * Seeded, stateless hashing. Every number the simulator shows (prices, volumes, statuses) is a
 * pure function of (seed, names, time), so any candle of any past range can be produced on
 * demand, and two servers with the same seed agree byte for byte.
 */

/** 32-bit FNV-1a over the joined parts, then a murmur3 finaliser for good avalanche. */
export function hash32(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u0001');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) derived from the parts. */
export function unit(...parts: ReadonlyArray<string | number>): number {
  return hash32(...parts) / 4294967296;
}

/** A uniform number in [-1, 1) derived from the parts. */
export function signedUnit(...parts: ReadonlyArray<string | number>): number {
  return unit(...parts) * 2 - 1;
}

/** Log-uniform number between min and max (both > 0). */
export function logUniform(min: number, max: number, ...parts: ReadonlyArray<string | number>): number {
  return Math.exp(Math.log(min) + (Math.log(max) - Math.log(min)) * unit(...parts));
}
