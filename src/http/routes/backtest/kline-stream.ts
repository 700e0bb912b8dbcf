import { Readable } from 'node:stream';
import { formatKlinesCsv, KLINE_CSV_HEADER } from '../../../history/index.ts';
import type { Kline } from '../../../trading/index.ts';

/**
 * Chunks go to the socket through a byte-sized buffer: the next slice of candles is read and
 * serialised only once the client has taken the previous one (backpressure).
 */
const HIGH_WATER_MARK = 64 * 1024;

/**
 * The `/backtest/data` JSON answer written slice by slice: `head` fields, then `klines`, then
 * `count` (known only at the end, so it comes last; a JSON parser does not care). `done` runs
 * once, when the body ends or the stream is destroyed (client gone).
 */
export function klinesJsonStream(
  head: Record<string, unknown>,
  slices: AsyncIterable<Kline[]>,
  done: () => void,
): Readable {
  return Readable.from(jsonChunks(head, slices, done), { objectMode: false, highWaterMark: HIGH_WATER_MARK });
}

/** The same candles as CSV with the header row, written slice by slice. */
export function klinesCsvStream(slices: AsyncIterable<Kline[]>, done: () => void): Readable {
  return Readable.from(csvChunks(slices, done), { objectMode: false, highWaterMark: HIGH_WATER_MARK });
}

async function* jsonChunks(
  head: Record<string, unknown>,
  slices: AsyncIterable<Kline[]>,
  done: () => void,
): AsyncGenerator<string> {
  try {
    yield `${JSON.stringify(head).slice(0, -1)},"klines":[`;
    let count = 0;
    for await (const slice of slices) {
      // One slice's array without its brackets: candles joined by commas across slices.
      const items = JSON.stringify(slice).slice(1, -1);
      yield count > 0 ? `,${items}` : items;
      count += slice.length;
    }
    yield `],"count":${count}}`;
  } finally {
    done();
  }
}

async function* csvChunks(slices: AsyncIterable<Kline[]>, done: () => void): AsyncGenerator<string> {
  try {
    yield `${KLINE_CSV_HEADER}\n`;
    for await (const slice of slices) yield formatKlinesCsv(slice).slice(KLINE_CSV_HEADER.length + 1);
  } finally {
    done();
  }
}
