import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isTradecacheError } from '../../src/errors.ts';
import {
  parseAggTrades,
  parseBookTickers,
  parsePremiumIndex,
  parseServerTime,
} from '../../src/exchange/binance/index.ts';

const SPOT = path.resolve(import.meta.dirname, '../../../shared/fixtures/binance/spot/rest');
const spotFile = (name: string): unknown => JSON.parse(readFileSync(path.join(SPOT, name), 'utf8'));

function expectBadResponse(run: () => unknown): void {
  let thrown: unknown;
  try {
    run();
  } catch (err) {
    thrown = err;
  }
  expect(isTradecacheError(thrown, ErrorCodes.EXCHANGE_BAD_RESPONSE)).toBe(true);
}

/** A futures premiumIndex row in the documented shape (no recorded body exists). */
const PREMIUM_ROW = {
  symbol: 'BTCUSDT',
  markPrice: '11793.63104562',
  indexPrice: '11781.80495970',
  estimatedSettlePrice: '11781.16138815',
  lastFundingRate: '0.00038246',
  interestRate: '0.00010000',
  nextFundingTime: 1597392000000,
  time: 1597370495002,
};

describe('book tickers, aggregate trades and server time from real Binance bodies', () => {
  it('reads the recorded spot bookTicker as a one-element list, decimals as sent', () => {
    expect(parseBookTickers(spotFile('ticker_bookTicker.BTCUSDT.2021-10-22.json'))).toEqual([
      {
        symbol: 'BTCUSDT',
        bidPrice: '60741.67000000',
        bidQty: '0.36580000',
        askPrice: '60741.68000000',
        askQty: '0.45178000',
      },
    ]);
  });

  it('keeps the time and update id futures put on a book ticker', () => {
    const [quote] = parseBookTickers([
      {
        lastUpdateId: 1027024,
        symbol: 'BTCUSDT',
        bidPrice: '4.00000000',
        bidQty: '431.00000000',
        askPrice: '4.00000200',
        askQty: '9.00000000',
        time: 1589437530011,
      },
    ]);
    expect(quote).toMatchObject({ time: 1589437530011, lastUpdateId: 1027024, askPrice: '4.00000200' });
  });

  it('reads the recorded aggTrades: ids, trade ranges, times and sides, dropping M', () => {
    const trades = parseAggTrades(spotFile('aggTrades.BTCUSDT.2021-10-22.json'));
    expect(trades.map((t) => t.id)).toEqual(Array.from({ length: 10 }, (_, i) => 966492862 + i));
    expect(trades[0]).toEqual({
      id: 966492862,
      price: '60759.60000000',
      qty: '0.00841000',
      firstTradeId: 1111480471,
      lastTradeId: 1111480471,
      time: 1634944096633,
      isBuyerMaker: false,
    });
    expect(trades[2]?.isBuyerMaker).toBe(true);
    expect(trades.at(-1)?.time).toBe(1634944098216);
  });

  it('reads the recorded server time', () => {
    expect(parseServerTime(spotFile('time.2021-10-22.json'))).toBe(1633835466289);
  });

  it('reads premium index rows, one or many, and delivery contracts without funding as nulls', () => {
    expect(parsePremiumIndex(PREMIUM_ROW)).toEqual([PREMIUM_ROW]);
    const delivery = {
      ...PREMIUM_ROW,
      symbol: 'BTCUSDT_241227',
      lastFundingRate: '',
      interestRate: '',
      nextFundingTime: 0,
    };
    expect(parsePremiumIndex([PREMIUM_ROW, delivery])[1]).toEqual({
      ...delivery,
      lastFundingRate: null,
      interestRate: null,
      nextFundingTime: null,
    });
  });
});

describe('malformed book tickers, premium index, aggTrades and times are rejected', () => {
  const quote = { symbol: 'BTCUSDT', bidPrice: '1.0', bidQty: '2', askPrice: '1.1', askQty: '3' };
  const agg = { a: 1, p: '1.5', q: '2', f: 10, l: 12, T: 1634944096633, m: true };

  it.each([
    ['an HTML page', '<html></html>'],
    ['a missing ask', [{ ...quote, askPrice: undefined }]],
    ['a price that is a number', [{ ...quote, bidPrice: 1.0 }]],
    ['an empty symbol', [{ ...quote, symbol: '' }]],
    ['a time that is a string', [{ ...quote, time: '1589437530011' }]],
    ['an update id that is a float', [{ ...quote, lastUpdateId: 1.5 }]],
  ])('bookTicker: %s', (_name, body) => {
    expectBadResponse(() => parseBookTickers(body));
  });

  it.each([
    ['an object instead of rows', { aggTrades: [] }],
    ['a price that is not a decimal', [{ ...agg, p: 'NaN' }]],
    ['a quantity that is a number', [{ ...agg, q: 2 }]],
    ['a missing time', [{ ...agg, T: undefined }]],
    ['a side that is a string', [{ ...agg, m: 'true' }]],
    ['a last trade id below the first', [{ ...agg, f: 12, l: 10 }]],
    ['a long-key row (the trades shape)', [{ id: 1, price: '1', qty: '1', time: 1, isBuyerMaker: true }]],
  ])('aggTrades: %s', (_name, body) => {
    expectBadResponse(() => parseAggTrades(body));
  });

  it.each([
    ['a mark price that is a number', { ...PREMIUM_ROW, markPrice: 11793.63 }],
    ['a funding rate that is not a decimal', { ...PREMIUM_ROW, lastFundingRate: 'n/a' }],
    ['a missing index price', { ...PREMIUM_ROW, indexPrice: undefined }],
    ['a next funding time that is a string', { ...PREMIUM_ROW, nextFundingTime: '1597392000000' }],
    ['an array of strings', ['BTCUSDT']],
  ])('premiumIndex: %s', (_name, body) => {
    expectBadResponse(() => parsePremiumIndex(body));
  });

  it.each([
    ['an empty object', {}],
    ['a string time', { serverTime: '1633835466289' }],
    ['a zero time', { serverTime: 0 }],
    ['an array', [1633835466289]],
  ])('time: %s', (_name, body) => {
    expectBadResponse(() => parseServerTime(body));
  });
});
