import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isTradecacheError } from '../../src/errors.ts';
import {
  errorFromResponse,
  parse24hTickers,
  parseKlines,
  parseOrderBook,
  parseRetryAfter,
  parseTickerPrices,
  parseTrades,
  RequestWeightLedger,
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

const KLINE_ROW = [
  1634943780000,
  '60685.22000000',
  '60729.84000000',
  '60670.90000000',
  '60719.27000000',
  '21.63272000',
  1634943839999,
  '1313200.01340410',
  617,
  '12.28492000',
  '745719.41022840',
  '0',
];

describe('market data from real Binance bodies', () => {
  it('turns 12-column kline rows into candles, oldest first', () => {
    const klines = parseKlines(spotFile('klines.BTCUSDT.1m.2021-10-22.json'));
    expect(klines).toHaveLength(10);
    expect(klines[0]).toEqual({
      openTime: 1634943780000,
      open: '60685.22000000',
      high: '60729.84000000',
      low: '60670.90000000',
      close: '60719.27000000',
      volume: '21.63272000',
      closeTime: 1634943839999,
      quoteVolume: '1313200.01340410',
      trades: 617,
      takerBuyBaseVolume: '12.28492000',
      takerBuyQuoteVolume: '745719.41022840',
      ignore: '0',
    });
    expect(klines.at(-1)?.openTime).toBe(1634944320000);
  });

  it('reads the order book with its best levels first', () => {
    const book = parseOrderBook(spotFile('depth.BTCUSDT.limit10.2021-10-22.json'));
    expect(book.lastUpdateId).toBe(14527958487);
    expect(book.bids).toHaveLength(10);
    expect(book.asks).toHaveLength(10);
    expect(book.bids[0]).toEqual(['60650.00000000', '0.00213000']);
  });

  it('reads recent trades, dropping isBestMatch', () => {
    const trades = parseTrades(spotFile('trades.BTCUSDT.2021-10-22.json'));
    expect(trades.map((t) => t.id)).toEqual(Array.from({ length: 10 }, (_, i) => 1111468873 + i));
    expect(trades[0]).toEqual({
      id: 1111468873,
      price: '60650.00000000',
      qty: '0.02924000',
      quoteQty: '1773.40600000',
      time: 1634942949263,
      isBuyerMaker: true,
    });
    expect(parseTrades(spotFile('snapshot-2020-10-09/trades.ETHBTC.limit500.json'))).toHaveLength(500);
  });

  it('reads one-symbol tickers as a one-element list', () => {
    expect(parseTickerPrices(spotFile('ticker_price.BTCUSDT.2021-10-22.json'))).toEqual([
      { symbol: 'BTCUSDT', price: '60740.00000000' },
    ]);
    const [ticker] = parse24hTickers(spotFile('ticker_24hr.BTCUSDT.2021-10-22.json'));
    expect(ticker).toMatchObject({ symbol: 'BTCUSDT', lastPrice: '60755.18000000', openTime: 1634858001452 });
  });

  it('reads all-symbol ticker lists, including symbols without trades (ids -1)', () => {
    expect(parseTickerPrices(spotFile('ticker_price.all.2020-10-31approx.json'))).toHaveLength(1141);
    const tickers = parse24hTickers(spotFile('snapshot-2020-10-09/ticker_24hr.all.json'));
    expect(tickers).toHaveLength(1089);
    expect(tickers.some((t) => t.count === 0)).toBe(true);
  });

  it('keeps the time futures put on prices', () => {
    expect(parseTickerPrices({ symbol: 'BTCUSDT', price: '6000.01', time: 1589437530011 })).toEqual([
      { symbol: 'BTCUSDT', price: '6000.01', time: 1589437530011 },
    ]);
  });
});

describe('malformed market data is rejected, never taken as empty', () => {
  it.each([
    ['an HTML page', '<html></html>'],
    ['an object instead of rows', { klines: [] }],
    ['a row with 11 columns', [KLINE_ROW.slice(0, 11)]],
    ['a price that is a number', [[...KLINE_ROW.slice(0, 1), 60685.22, ...KLINE_ROW.slice(2)]]],
    ['an open time that is a string', [['1634943780000', ...KLINE_ROW.slice(1)]]],
    ['a price that is not a decimal', [[KLINE_ROW[0], 'NaN', ...KLINE_ROW.slice(2)]]],
  ])('klines: %s', (_name, body) => {
    expectBadResponse(() => parseKlines(body));
  });

  it('rejects books, trades and tickers of the wrong shape', () => {
    expectBadResponse(() => parseOrderBook({ lastUpdateId: 1, bids: 'x', asks: [] }));
    expectBadResponse(() => parseOrderBook({ lastUpdateId: 1, bids: [['1.0']], asks: [] }));
    expectBadResponse(() => parseOrderBook({ bids: [], asks: [] }));
    expectBadResponse(() => parseTrades({}));
    expectBadResponse(() => parseTrades([{ id: 1, price: '1', qty: '1', quoteQty: '1', time: 1 }]));
    expectBadResponse(() => parseTickerPrices('<html>'));
    expectBadResponse(() => parseTickerPrices([{ symbol: 'BTCUSDT' }]));
    expectBadResponse(() => parse24hTickers([{ symbol: 'BTCUSDT', lastPrice: '1' }]));
  });
});

describe('Binance errors and headers', () => {
  const facts = { market: 'spot', endpoint: 'klines' } as const;

  it.each([
    [400, '{"code":-1121,"msg":"Invalid symbol."}', ErrorCodes.EXCHANGE_INVALID_SYMBOL],
    [400, '{"code":-1120,"msg":"Invalid interval."}', ErrorCodes.EXCHANGE_INVALID_INTERVAL],
    [400, '{"code":-1100,"msg":"Illegal characters found in parameter"}', ErrorCodes.EXCHANGE_BAD_REQUEST],
    [
      400,
      '{"code":-1130,"msg":"Data sent for parameter limit is not valid."}',
      ErrorCodes.EXCHANGE_BAD_REQUEST,
    ],
    [403, '<html>WAF</html>', ErrorCodes.EXCHANGE_BAD_REQUEST],
    [429, '{"code":-1003,"msg":"Too much request weight used"}', ErrorCodes.EXCHANGE_RATE_LIMITED],
    [
      418,
      '{"code":-1003,"msg":"Way too much request weight used; IP banned"}',
      ErrorCodes.EXCHANGE_IP_BANNED,
    ],
    [400, '{"code":-1000,"msg":"An unknown error occurred"}', ErrorCodes.EXCHANGE_UNAVAILABLE],
    [503, '{"code":-1008,"msg":"Server is currently overloaded"}', ErrorCodes.EXCHANGE_UNAVAILABLE],
    [502, '<html>Bad Gateway</html>', ErrorCodes.EXCHANGE_UNAVAILABLE],
  ])('HTTP %i %s → %s', (status, body, code) => {
    const error = errorFromResponse(status, body, facts);
    expect(error.code).toBe(code);
    expect(error.context).toMatchObject({ market: 'spot', endpoint: 'klines', status });
    expect(error.message).not.toContain('html');
  });

  it('keeps the Binance code in context and the message on one line', () => {
    const error = errorFromResponse(400, '{"code":-1121,"msg":"Invalid\\nsymbol."}', facts);
    expect(error.context.binanceCode).toBe(-1121);
    expect(error.message).not.toContain('\n');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2', 0)).toBe(2);
    expect(parseRetryAfter(new Date(30_000).toUTCString(), 0)).toBe(30);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
  });

  it('tracks the legacy weight header per market when the 1m header is absent', () => {
    const ledger = new RequestWeightLedger(() => 1000);
    ledger.observe('futures', new Headers({ 'X-MBX-USED-WEIGHT': '42' }));
    expect(ledger.snapshot('futures')).toEqual({ usedWeight1m: 42, observedAt: 1000, pausedUntil: null });
    expect(ledger.snapshot('spot').usedWeight1m).toBeNull();
  });
});
