import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKlinesCsv } from '../../src/history/kline-csv.ts';
import { aggregateCandles, type Candle, TradeCandles } from '../../src/market/candles/index.ts';
import {
  ARCHIVE,
  FUTURES_SESSION,
  type RecordedAggTrade,
  type RecordedKline,
  readStream,
  SPOT_SESSION,
} from './market-fixtures.ts';

/** Exchange strings and ours are compared after dropping trailing fraction zeros on both sides. */
const norm = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

const DAY_FILE = path.join(ARCHIVE, 'spot/daily/klines/ADABTC/1m/ADABTC-1m-2021-11-28.csv');

/** 5m / 1h / 1d candles computed straight from the archive rows with BigInt sums at 8 decimals. */
function directFromFile(text: string, ms: number) {
  const u = (s: string) => BigInt(s.replace('.', ''));
  const str = (v: bigint) => norm(`${v / 100_000_000n}.${(v % 100_000_000n).toString().padStart(8, '0')}`);
  const groups = new Map<number, string[][]>();
  for (const line of text.trim().split('\n')) {
    const row = line.split(',');
    const open = Math.floor(Number(row[0]) / ms) * ms;
    groups.set(open, [...(groups.get(open) ?? []), row]);
  }
  return [...groups.entries()].map(([openTime, rows]) => {
    const sum = (col: number) => str(rows.reduce((s, r) => s + u(r[col]!), 0n));
    const highs = rows.map((r) => u(r[2]!));
    const lows = rows.map((r) => u(r[3]!));
    return {
      openTime,
      closeTime: openTime + ms - 1,
      open: norm(rows[0]![1]!),
      high: str(highs.reduce((a, b) => (b > a ? b : a))),
      low: str(lows.reduce((a, b) => (b < a ? b : a))),
      close: norm(rows[rows.length - 1]![4]!),
      volume: sum(5),
      quoteVolume: sum(7),
      trades: rows.reduce((n, r) => n + Number(r[8]), 0),
      takerBuyVolume: sum(9),
      takerBuyQuoteVolume: sum(10),
    };
  });
}

function comparable(c: Candle) {
  return {
    openTime: c.openTime,
    closeTime: c.closeTime,
    open: norm(c.open),
    high: norm(c.high),
    low: norm(c.low),
    close: norm(c.close),
    volume: norm(c.volume),
    quoteVolume: norm(c.quoteVolume),
    trades: c.trades,
    takerBuyVolume: norm(c.takerBuyVolume),
    takerBuyQuoteVolume: norm(c.takerBuyQuoteVolume),
  };
}

describe('aggregating the archive day ADABTC 1m 2021-11-28', () => {
  const text = readFileSync(DAY_FILE, 'utf8');
  const minutes = parseKlinesCsv(text).map((k) => ({ ...k, takerBuyVolume: k.takerBuyBaseVolume }));

  it.each([
    ['5m', 300_000, 288],
    ['1h', 3_600_000, 24],
    ['4h', 14_400_000, 6],
    ['1d', 86_400_000, 1],
  ] as const)('gives the %s candles computed directly from the file', (interval, ms, count) => {
    const candles = aggregateCandles(minutes, interval);
    expect(candles).toHaveLength(count);
    expect(candles.every((c) => c.closed)).toBe(true);
    expect(candles.map(comparable)).toEqual(directFromFile(text, ms));
  });

  it('marks the last bucket open when its last minute is missing', () => {
    const candles = aggregateCandles(minutes.slice(0, 7), '5m');
    expect(candles.map((c) => c.closed)).toEqual([true, false]);
  });

  it('rejects candles out of order', () => {
    expect(() => aggregateCandles([minutes[1]!, minutes[0]!], '5m')).toThrow(/ascending/);
  });
});

/** A recorded aggTrade message as the candle builder's input. */
function asTrade(t: RecordedAggTrade) {
  return { price: t.p, quantity: t.q, firstTradeId: t.f, lastTradeId: t.l, time: t.T, buyerIsMaker: t.m };
}

/** The members a kline message carries, exactly as printed. */
function asPrinted(c: Candle) {
  const { interval: _i, closed: _c, firstTradeId: _f, lastTradeId: _l, ...printed } = c;
  return printed;
}

/** A decimal string as BigInt units of 10^-16 (enough for any product of two 8-decimal values). */
function units(s: string): bigint {
  const [int, frac = ''] = s.split('.');
  return BigInt(int! + frac.padEnd(16, '0'));
}

/**
 * p × q truncated to 8 decimals, in 10^-16 units. XMRBTC tells truncation from rounding:
 * 0.005773 × 0.045 = 0.000259785 raised its kline q by 0.00025978.
 */
function quote8(p: string, q: string): bigint {
  const exact = units(p) * units(q); // 10^-32 units
  return (exact / 10n ** 24n) * 10n ** 8n;
}

function klineCandle(k: RecordedKline['k']): Candle {
  return {
    interval: '1m',
    openTime: k.t,
    closeTime: k.T,
    open: k.o,
    high: k.h,
    low: k.l,
    close: k.c,
    volume: k.v,
    quoteVolume: k.q,
    takerBuyVolume: k.V,
    takerBuyQuoteVolume: k.Q,
    trades: k.n,
    firstTradeId: k.f,
    lastTradeId: k.L,
    closed: k.x,
  };
}

/**
 * Each 30-second session spans the end of one minute and the start of the next. The first
 * minute's candle is resumed from the symbol's first kline message (as from a stored snapshot:
 * its trades before the recording are not in the file), the next minute is built from its very
 * first trade. At each later kline message whose last trade id `L` ends an aggTrade row (futures
 * klines sometimes stop inside a row), the built candle must equal the message.
 */
function replaySession(trades: RecordedAggTrade[], klines: RecordedKline[]) {
  // Resume where the stored candle ends an aggTrade row: a row cut in two cannot be split.
  const ends = new Set(trades.map((t) => t.l));
  const start = klines.findIndex((k) => ends.has(k.k.L) || k.k.L < (trades[0]?.f ?? 0));
  const first = klines[start]!;
  // The exchange truncates each trade's quote (p × q) to 8 decimals before summing (see quote8).
  const quote = { q: units(first.k.q), Q: units(first.k.Q), minute: first.k.t };
  const candles = new TradeCandles(['1m'], { candles: [klineCandle(first.k)] });
  const byOpen = new Map<number, Candle>();
  let next = 0;
  let lastApplied = first.k.L;
  let matched = 0;
  let closedMatched = 0;
  let fromScratch = 0;
  let quoteExact = 0;
  for (const { k, E } of klines.slice(start + 1)) {
    while (next < trades.length && trades[next]!.l <= k.L) {
      const t = trades[next++]!;
      const result = candles.applyTrade(asTrade(t));
      for (const c of result.closed) byOpen.set(c.openTime, c);
      if (result.outcome !== 'applied') continue;
      lastApplied = t.l;
      if (Math.floor(t.T / 60_000) * 60_000 !== quote.minute) {
        Object.assign(quote, { q: 0n, Q: 0n, minute: Math.floor(t.T / 60_000) * 60_000 });
      }
      const rounded = quote8(t.p, t.q);
      quote.q += rounded;
      if (!t.m) quote.Q += rounded;
    }
    for (const c of candles.advance(E)) byOpen.set(c.openTime, c);
    if (lastApplied !== k.L) continue;
    const ours = candles.current('1m')?.openTime === k.t ? candles.current('1m') : byOpen.get(k.t);
    expect(ours, `candle ${k.t} at E=${E}`).toBeDefined();
    // String for string: a built candle prints its sums as wide as the exchange does.
    const { quoteVolume: q, takerBuyQuoteVolume: Q, ...rest } = asPrinted(ours!);
    const { quoteVolume: kq, takerBuyQuoteVolume: kQ, ...expected } = asPrinted(klineCandle(k));
    expect(rest).toEqual(expected);
    // Ours is the exact Σ p × q; the exchange's is Σ of each trade's p × q cut to 8 decimals.
    expect([units(kq), units(kQ)]).toEqual([quote.q, quote.Q]);
    if (q === kq && Q === kQ) quoteExact++;
    expect([ours!.firstTradeId, ours!.lastTradeId]).toEqual([k.f, k.L]);
    if (k.x) {
      expect(ours!.closed).toBe(true);
      closedMatched++;
    }
    if (k.t !== first.k.t) fromScratch++;
    matched++;
  }
  return { matched, closedMatched, fromScratch, quoteExact };
}

describe('candles from the recorded aggTrade streams equal the recorded kline_1m streams', () => {
  const sessions = [
    ['spot', `ws-spot.aggTrade.${SPOT_SESSION}.jsonl`, `ws-spot.kline_1m.${SPOT_SESSION}.jsonl`],
    [
      'futures',
      `ws-futures.aggTrade.${FUTURES_SESSION}.jsonl`,
      `ws-futures.kline_1m.${FUTURES_SESSION}.jsonl`,
    ],
  ] as const;
  // Per symbol: kline messages compared (at an aggTrade row boundary after the resume point),
  // closing messages among them, messages of a minute built from its first trade, and messages
  // whose quote volumes equal our exact sums (XMRBTC's trades have p × q beyond 8 decimals).
  const expected: Record<
    string,
    { matched: number; closed: number; fromScratch: number; quoteExact: number }
  > = {
    'spot FTMUSDT': { matched: 6, closed: 1, fromScratch: 1, quoteExact: 6 },
    'spot SXPBTC': { matched: 6, closed: 1, fromScratch: 1, quoteExact: 6 },
    'spot XMRBTC': { matched: 2, closed: 0, fromScratch: 0, quoteExact: 0 },
    'futures CTKUSDT': { matched: 28, closed: 1, fromScratch: 9, quoteExact: 28 },
    'futures AKROUSDT': { matched: 2, closed: 1, fromScratch: 0, quoteExact: 2 },
    'futures SUSHIUSDT': { matched: 15, closed: 1, fromScratch: 5, quoteExact: 15 },
    'futures KEEPUSDT': { matched: 3, closed: 1, fromScratch: 1, quoteExact: 3 },
  };
  const cases = sessions.flatMap(([market, tradeFile, klineFile]) => {
    const trades = readStream<RecordedAggTrade>(tradeFile);
    const klines = readStream<RecordedKline>(klineFile);
    const symbols = [...new Set(klines.map((k) => k.s))];
    return symbols.map((symbol) => ({
      name: `${market} ${symbol}`,
      trades: trades.filter((t) => t.s === symbol),
      klines: klines.filter((k) => k.s === symbol),
    }));
  });

  it('has a case for every symbol with kline messages', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(cases)('$name', ({ name, trades, klines }) => {
    const r = replaySession(trades, klines);
    expect({
      matched: r.matched,
      closed: r.closedMatched,
      fromScratch: r.fromScratch,
      quoteExact: r.quoteExact,
    }).toEqual(expected[name]);
  });
});

describe('a 1m candle built from the recorded spot trades', () => {
  it('prints exactly as the exchange kline, string for string', () => {
    const trades = readStream<RecordedAggTrade>(`ws-spot.aggTrade.${SPOT_SESSION}.jsonl`).filter(
      (t) => t.s === 'FTMUSDT',
    );
    const klines = readStream<RecordedKline>(`ws-spot.kline_1m.${SPOT_SESSION}.jsonl`).filter(
      (k) => k.s === 'FTMUSDT',
    );
    // The minute after the first one: every trade of it is in the recording.
    const minute = Math.floor(trades[0]!.T / 60_000) * 60_000 + 60_000;
    const ends = new Set(trades.map((t) => t.l));
    const kline = klines.filter((k) => k.k.t === minute && ends.has(k.k.L)).at(-1)!.k;
    const candles = new TradeCandles(['1m']);
    for (const t of trades.filter((t) => t.T >= minute && t.l <= kline.L)) {
      candles.applyTrade(asTrade(t));
    }
    const c = candles.current('1m')!;
    expect([
      c.open,
      c.high,
      c.low,
      c.close,
      c.volume,
      c.quoteVolume,
      c.takerBuyVolume,
      c.takerBuyQuoteVolume,
    ]).toEqual([kline.o, kline.h, kline.l, kline.c, kline.v, kline.q, kline.V, kline.Q]);
    expect(kline.v).toMatch(/\.\d{8}$/);
    expect([c.openTime, c.closeTime, c.trades, c.firstTradeId, c.lastTradeId]).toEqual([
      kline.t,
      kline.T,
      kline.n,
      kline.f,
      kline.L,
    ]);
  });
});
