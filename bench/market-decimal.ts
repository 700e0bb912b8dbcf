import Big from 'big.js';
import { Decimal as DecimalJs } from 'decimal.js';
import {
  add,
  compare,
  type Decimal as Exact,
  multiply,
  parseDecimal,
  ZERO,
} from '../src/market/decimal/index.ts';
import type { BenchResult } from './report.ts';

/**
 * The feed's hot loop on each option: parse a trade's price and quantity strings, then for each
 * of 6 candle intervals compare high and low and add the base and quote (price × qty) volume.
 * decimal.js is the baseline; `Number` (inexact, never used for prices) is shown only to say
 * what exactness costs. Rounds alternate between options and the best round of each is kept,
 * so other work on the shared machine hits every option alike.
 */
const INTERVALS = 6;
const TICKS = 20_000;
const ROUND_MS = 400;
const ROUNDS = 5;
/** Issue 11: the feed must ingest ≥ 100k ticks/s on 2 cores. */
const TARGET_TICKS_PER_S = 100_000;

interface Tick {
  price: string;
  quantity: string;
}

function ticks(): Tick[] {
  const out: Tick[] = [];
  let seed = 7;
  const next = () => {
    seed = (seed * 48_271) % 2_147_483_647;
    return seed;
  };
  for (let i = 0; i < TICKS; i++) {
    // Spot-style strings: 8 decimals, prices around 0.34 and 60,000, quantities up to 10,000.
    const big = i % 2 === 0;
    const units = big ? 6_000_000_000_000 + (next() % 100_000_000) : 34_000_000 + (next() % 100_000);
    const price = `${Math.floor(units / 1e8)}.${String(units % 1e8).padStart(8, '0')}`;
    const q = next() % 1_000_000_000_000;
    out.push({ price, quantity: `${Math.floor(q / 1e8)}.${String(q % 1e8).padStart(8, '0')}` });
  }
  return out;
}

interface Candle<T> {
  high: T;
  low: T;
  volume: T;
  quote: T;
}

type Ingest = (data: Tick[]) => unknown;

function exactIngest(data: Tick[]): unknown {
  const candles: Candle<Exact>[] = Array.from({ length: INTERVALS }, () => ({
    high: ZERO,
    low: { units: 10n ** 30n, scale: 0 },
    volume: ZERO,
    quote: ZERO,
  }));
  for (const t of data) {
    const p = parseDecimal(t.price);
    const q = parseDecimal(t.quantity);
    const pq = multiply(p, q);
    for (const c of candles) {
      if (compare(p, c.high) > 0) c.high = p;
      if (compare(p, c.low) < 0) c.low = p;
      c.volume = add(c.volume, q);
      c.quote = add(c.quote, pq);
    }
  }
  return candles;
}

function decimalJsIngest(data: Tick[]): unknown {
  const candles: Candle<DecimalJs>[] = Array.from({ length: INTERVALS }, () => ({
    high: new DecimalJs(0),
    low: new DecimalJs('1e30'),
    volume: new DecimalJs(0),
    quote: new DecimalJs(0),
  }));
  for (const t of data) {
    const p = new DecimalJs(t.price);
    const q = new DecimalJs(t.quantity);
    const pq = p.times(q);
    for (const c of candles) {
      if (p.gt(c.high)) c.high = p;
      if (p.lt(c.low)) c.low = p;
      c.volume = c.volume.plus(q);
      c.quote = c.quote.plus(pq);
    }
  }
  return candles;
}

function bigJsIngest(data: Tick[]): unknown {
  const candles: Candle<Big>[] = Array.from({ length: INTERVALS }, () => ({
    high: new Big(0),
    low: new Big('1e30'),
    volume: new Big(0),
    quote: new Big(0),
  }));
  for (const t of data) {
    const p = new Big(t.price);
    const q = new Big(t.quantity);
    const pq = p.times(q);
    for (const c of candles) {
      if (p.gt(c.high)) c.high = p;
      if (p.lt(c.low)) c.low = p;
      c.volume = c.volume.plus(q);
      c.quote = c.quote.plus(pq);
    }
  }
  return candles;
}

function floatIngest(data: Tick[]): unknown {
  const candles: Candle<number>[] = Array.from({ length: INTERVALS }, () => ({
    high: 0,
    low: 1e30,
    volume: 0,
    quote: 0,
  }));
  for (const t of data) {
    const p = Number(t.price);
    const q = Number(t.quantity);
    const pq = p * q;
    for (const c of candles) {
      if (p > c.high) c.high = p;
      if (p < c.low) c.low = p;
      c.volume += q;
      c.quote += pq;
    }
  }
  return candles;
}

/** Ticks per second of one round of `ingest`. */
function round(ingest: Ingest, data: Tick[]): number {
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    ingest(data);
    done += data.length;
    elapsed = performance.now() - start;
  }
  return (done / elapsed) * 1000;
}

export async function runMarketDecimalBench(): Promise<BenchResult> {
  const data = ticks();
  // decimal.js defaults to 20 significant digits and would round the quote volume; give it room.
  DecimalJs.set({ precision: 60 });
  Big.DP = 40;
  const options: [string, Ingest][] = [
    ['decimal.js 10 (baseline)', decimalJsIngest],
    ['big.js 7', bigJsIngest],
    ['scaled BigInt (src/market/decimal)', exactIngest],
    ['Number (inexact, reference only)', floatIngest],
  ];
  const best = new Map<string, number>();
  for (const [, ingest] of options) ingest(data.slice(0, 2000)); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, ingest] of options) best.set(name, Math.max(best.get(name) ?? 0, round(ingest, data)));
  }
  const baseline = best.get('decimal.js 10 (baseline)') ?? 1;
  const rows: BenchResult['rows'] = [];
  for (const [name] of options) {
    const value = best.get(name) ?? 0;
    rows.push({ label: `${name}, ticks/s on one core`, value: Math.round(value), unit: 'ticks/s' });
    rows.push({ label: `${name} vs decimal.js`, value: Number((value / baseline).toFixed(2)), unit: '×' });
  }
  const exact = best.get('scaled BigInt (src/market/decimal)') ?? 0;
  rows.push({
    label: `scaled BigInt vs the ${TARGET_TICKS_PER_S.toLocaleString('en-US')} ticks/s target (one core)`,
    value: Number((exact / TARGET_TICKS_PER_S).toFixed(2)),
    unit: '×',
  });
  return {
    name: 'market decimals (parse 2 strings + 6 intervals × (2 compares, 2 adds) + 1 multiply per tick)',
    notes:
      'Spot-style 8-decimal strings. Each option keeps exact values except `Number`, shown only as a ceiling.',
    rows,
  };
}
