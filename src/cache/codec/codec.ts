/**
 * How values become bytes in Redis. A codec is identified by a byte stored in every envelope, so
 * a deployment can switch codecs and still read what the previous one wrote.
 */
export interface Codec {
  /** Stored in the envelope; 1 = JSON, 2 = msgpack; custom codecs use 100-255. */
  readonly id: number;
  readonly name: string;
  encode(value: unknown): Buffer | string;
  decode(bytes: Buffer): unknown;
}
