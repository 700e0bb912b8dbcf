/** Readers of the recorded Binance streams in ../shared (read in place, never copied). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const STREAMS = path.resolve(import.meta.dirname, '../../../shared/fixtures/binance/streams');
export const ARCHIVE = path.resolve(
  import.meta.dirname,
  '../../../shared/fixtures/binance/data.binance.vision',
);

export const SPOT_SESSION = 'FTMUSDT_SXPBTC_BADGERBTC_XMRBTC.2021-08-14';
export const FUTURES_SESSION = 'SUSHIUSDT_AKROUSDT_KEEPUSDT_CTKUSDT.2021-07-22';

/** The `data` of each combined-stream message of a recorded `.jsonl` file, in order. */
export function readStream<T>(file: string): T[] {
  return readFileSync(path.join(STREAMS, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { data: T }).data);
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(STREAMS, file), 'utf8')) as T;
}

export interface RecordedDepthDiff {
  s: string;
  U: number;
  u: number;
  pu?: number;
  b: [string, string][];
  a: [string, string][];
}

export interface RecordedBookTicker {
  s: string;
  u: number;
  b: string;
  B: string;
  a: string;
  A: string;
}

export interface RecordedSnapshot {
  lastUpdateId: number;
  bids: [string, string][];
  asks: [string, string][];
}

export interface RecordedAggTrade {
  s: string;
  a: number;
  p: string;
  q: string;
  f: number;
  l: number;
  T: number;
  m: boolean;
}

export interface RecordedKline {
  s: string;
  E: number;
  k: {
    t: number;
    T: number;
    i: string;
    f: number;
    L: number;
    o: string;
    c: string;
    h: string;
    l: string;
    v: string;
    n: number;
    x: boolean;
    q: string;
    V: string;
    Q: string;
  };
}
