import { jsonCodec } from '../src/cache/codec/json.ts';
import { msgpackCodec } from '../src/cache/codec/msgpack.ts';
import { tickerPayload } from './cache-payload.ts';

/** Encode+decode throughput of the built-in codecs on the 1 KiB ticker payload. */
export async function runCodecBench() {
  const value = tickerPayload();
  const rows: { label: string; value: number; unit: string }[] = [];
  for (const codec of [jsonCodec, msgpackCodec]) {
    const raw = codec.encode(value);
    const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const n = 200_000;
    for (let i = 0; i < 20_000; i++) codec.decode(bytes);
    let t = performance.now();
    for (let i = 0; i < n; i++) codec.decode(bytes);
    const decodeOps = n / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 0; i < n; i++) codec.encode(value);
    const encodeOps = n / ((performance.now() - t) / 1000);
    rows.push({ label: `${codec.name} size`, value: bytes.length, unit: 'bytes' });
    rows.push({ label: `${codec.name} decode`, value: Math.round(decodeOps), unit: 'ops/s' });
    rows.push({ label: `${codec.name} encode`, value: Math.round(encodeOps), unit: 'ops/s' });
  }
  return { name: 'cache codecs (1 KiB ticker)', rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table((await runCodecBench()).rows);
}
