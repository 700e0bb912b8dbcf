import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isTradecacheError } from '../../src/errors.ts';
import {
  futuresInstrumentType,
  normalizeFuturesExchangeInfo,
  normalizeSpotExchangeInfo,
} from '../../src/exchange/binance/index.ts';
import type { MarketInfo } from '../../src/trading/index.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/binance');
const spotFile = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(FIXTURES, 'spot/rest', name), 'utf8'));
const futuresFile = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(FIXTURES, 'futures-um/rest', name), 'utf8'));

function bySymbol(markets: MarketInfo[], symbol: string): MarketInfo {
  const market = markets.find((m) => m.symbol === symbol);
  if (!market) throw new Error(`${symbol} missing`);
  return market;
}

function countBy<K extends keyof MarketInfo>(markets: MarketInfo[], key: K): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const market of markets) counts[String(market[key])] = (counts[String(market[key])] ?? 0) + 1;
  return counts;
}

function expectBadResponse(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    expect(isTradecacheError(err, ErrorCodes.EXCHANGE_BAD_RESPONSE)).toBe(true);
    expect((err as Error).message).not.toContain('\n');
    return;
  }
  throw new Error('expected EXCHANGE_BAD_RESPONSE, nothing was thrown');
}

describe('spot exchangeInfo from real Binance bodies', () => {
  it('reads every symbol of the full 2023-09-08 dump, TRADING and BREAK alike', () => {
    const markets = normalizeSpotExchangeInfo(spotFile('exchangeInfo.full.2023-09-08.json'));
    expect(markets).toHaveLength(2292);
    expect(countBy(markets, 'status')).toEqual({ TRADING: 1340, BREAK: 952 });
    expect(new Set(markets.map((m) => m.type))).toEqual(new Set(['spot']));
  });

  it('takes BTCUSDT tick, step and minimum notional from PRICE_FILTER, LOT_SIZE and NOTIONAL', () => {
    const btc = bySymbol(normalizeSpotExchangeInfo(spotFile('exchangeInfo.full.2023-09-08.json')), 'BTCUSDT');
    expect(btc).toEqual({
      symbol: 'BTCUSDT',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      status: 'TRADING',
      type: 'spot',
      tickSize: '0.01000000',
      stepSize: '0.00001000',
      minNotional: '5.00000000',
    });
  });

  it('reads the minimum notional of 2021 bodies from the old MIN_NOTIONAL filter', () => {
    const markets = normalizeSpotExchangeInfo(spotFile('exchangeInfo.BTCUSDT_ETHUSDT.2021-10-22.json'));
    expect(markets.map((m) => m.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(bySymbol(markets, 'ETHUSDT')).toMatchObject({
      tickSize: '0.01000000',
      stepSize: '0.00010000',
      minNotional: '10.00000000',
    });
  });

  it('reads the 2020-10-09 snapshot (1,089 symbols)', () => {
    const markets = normalizeSpotExchangeInfo(spotFile('snapshot-2020-10-09/exchangeInfo.full.json'));
    expect(markets).toHaveLength(1089);
    expect(markets.every((m) => m.tickSize !== null && m.stepSize !== null && m.minNotional !== null)).toBe(
      true,
    );
  });
});

describe('futures exchangeInfo from real Binance bodies', () => {
  it('classifies the 347 symbols of 2024-10-20 as 342 perpetual, 4 delivery, 1 other', () => {
    const markets = normalizeFuturesExchangeInfo(futuresFile('exchangeInfo.full.2024-10-20.json'));
    expect(markets).toHaveLength(347);
    expect(countBy(markets, 'type')).toEqual({ perpetual: 342, delivery: 4, other: 1 });
    expect(bySymbol(markets, 'BTCSTUSDT')).toMatchObject({ type: 'other', contractType: '' });
  });

  it('reads futures filters whose keys come in any order, and MIN_NOTIONAL.notional', () => {
    const btc = bySymbol(
      normalizeFuturesExchangeInfo(futuresFile('exchangeInfo.full.2024-10-20.json')),
      'BTCUSDT',
    );
    expect(btc).toMatchObject({
      type: 'perpetual',
      contractType: 'PERPETUAL',
      tickSize: '0.10',
      stepSize: '0.001',
      minNotional: '100',
    });
  });

  it('recognises the quarterly delivery contract of 2022-02-19', () => {
    const markets = normalizeFuturesExchangeInfo(
      futuresFile('exchangeInfo.BTCUSDT_ETHUSDT_BTCUSDT_220325.2022-02-19.json'),
    );
    expect(markets.map((m) => [m.symbol, m.type])).toEqual([
      ['BTCUSDT', 'perpetual'],
      ['ETHUSDT', 'perpetual'],
      ['BTCUSDT_220325', 'delivery'],
    ]);
  });

  it('maps contract types, keeping unknown ones as other', () => {
    expect(futuresInstrumentType('TRADIFI_PERPETUAL')).toBe('perpetual');
    expect(futuresInstrumentType('NEXT_QUARTER')).toBe('delivery');
    expect(futuresInstrumentType('CURRENT_QUARTER_DELIVERING')).toBe('delivery');
    expect(futuresInstrumentType('SOMETHING_NEW')).toBe('other');
  });
});

describe('exchangeInfo edge cases', () => {
  const symbol = (extra: Record<string, unknown>) => ({
    symbol: 'NEWUSDT',
    status: 'PRE_TRADING_2030',
    baseAsset: 'NEW',
    quoteAsset: 'USDT',
    ...extra,
  });

  it('keeps unknown statuses and fields as data, and null for missing filters', () => {
    const [market] = normalizeSpotExchangeInfo({ symbols: [symbol({ futureField: { a: 1 } })], extra: true });
    expect(market).toEqual({
      symbol: 'NEWUSDT',
      baseAsset: 'NEW',
      quoteAsset: 'USDT',
      status: 'PRE_TRADING_2030',
      type: 'spot',
      tickSize: null,
      stepSize: null,
      minNotional: null,
    });
  });

  it('prefers NOTIONAL over MIN_NOTIONAL whatever the filter order', () => {
    const filters = [
      { filterType: 'MIN_NOTIONAL', minNotional: '10' },
      { maxNotional: '9000', filterType: 'NOTIONAL', minNotional: '5' },
    ];
    expect(normalizeSpotExchangeInfo({ symbols: [symbol({ filters })] })[0]?.minNotional).toBe('5');
  });

  it('accepts an empty symbol list when the body really is exchangeInfo', () => {
    expect(normalizeFuturesExchangeInfo({ symbols: [] })).toEqual([]);
  });

  it.each([
    ['an HTML page', '<html><body>502 Bad Gateway</body></html>'],
    ['null', null],
    ['an empty object', {}],
    ['symbols that is a string', { symbols: 'x' }],
    ['a symbol that is not an object', { symbols: ['BTCUSDT'] }],
    ['a symbol without symbol', { symbols: [{ status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT' }] }],
    [
      'a symbol without baseAsset',
      { symbols: [{ symbol: 'BTCUSDT', status: 'TRADING', quoteAsset: 'USDT' }] },
    ],
    [
      'a numeric quoteAsset',
      { symbols: [{ symbol: 'B', status: 'TRADING', baseAsset: 'B', quoteAsset: 1 }] },
    ],
    ['a symbol without status', { symbols: [{ symbol: 'BTCUSDT', baseAsset: 'BTC', quoteAsset: 'USDT' }] }],
    ['filters that are not a list', { symbols: [symbol({ filters: {} })] }],
  ])('rejects %s as a bad response on both markets', (_name, body) => {
    expectBadResponse(() => normalizeSpotExchangeInfo(body));
    expectBadResponse(() => normalizeFuturesExchangeInfo(body));
  });
});
