import type { DepthLevel, Kline, OrderBook, Ticker24h, TickerPrice, Trade } from '../../trading/index.ts';
import {
  badResponse,
  expectArray,
  expectBoolean,
  expectDecimal,
  expectInteger,
  expectName,
  expectRecord,
  expectString,
  oneOrMany,
} from './shape.ts';

/**
 * Parsers for the market-data bodies (ticker, depth, trades, klines) of spot and USDⓈ-M
 * futures. Pure functions; each throws EXCHANGE_BAD_RESPONSE on a body that is not the
 * documented shape and ignores fields it does not know (futures add `time`, `E`, `T`, ...).
 */

function parseTickerPrice(entry: unknown, what: string): TickerPrice {
  const row = expectRecord(entry, what);
  const ticker = {
    symbol: expectName(row.symbol, `${what}.symbol`),
    price: expectDecimal(row.price, `${what}.price`),
  };
  // Futures stamp the price with its time; spot does not.
  return row.time === undefined ? ticker : { ...ticker, time: expectInteger(row.time, `${what}.time`) };
}

/** `GET ticker/price`: one `{symbol, price[, time]}` or an array of them. */
export function parseTickerPrices(json: unknown): TickerPrice[] {
  return oneOrMany(json, 'ticker/price').map((entry, i) => parseTickerPrice(entry, `ticker/price[${i}]`));
}

function parseTicker24h(entry: unknown, what: string): Ticker24h {
  const row = expectRecord(entry, what);
  const decimal = (key: string) => expectDecimal(row[key], `${what}.${key}`);
  return {
    symbol: expectName(row.symbol, `${what}.symbol`),
    priceChange: decimal('priceChange'),
    priceChangePercent: decimal('priceChangePercent'),
    lastPrice: decimal('lastPrice'),
    openPrice: decimal('openPrice'),
    highPrice: decimal('highPrice'),
    lowPrice: decimal('lowPrice'),
    volume: decimal('volume'),
    quoteVolume: decimal('quoteVolume'),
    openTime: expectInteger(row.openTime, `${what}.openTime`),
    closeTime: expectInteger(row.closeTime, `${what}.closeTime`),
    count: expectInteger(row.count, `${what}.count`),
  };
}

/** `GET ticker/24hr` (FULL): one object or an array of them. */
export function parse24hTickers(json: unknown): Ticker24h[] {
  return oneOrMany(json, 'ticker/24hr').map((entry, i) => parseTicker24h(entry, `ticker/24hr[${i}]`));
}

function parseLevels(value: unknown, what: string): DepthLevel[] {
  return expectArray(value, what).map((level, i) => {
    const pair = expectArray(level, `${what}[${i}]`);
    if (pair.length < 2) throw badResponse(`${what}[${i}]`, 'is not a [price, quantity] pair');
    return [expectDecimal(pair[0], `${what}[${i}][0]`), expectDecimal(pair[1], `${what}[${i}][1]`)] as const;
  });
}

/** `GET depth`: `{lastUpdateId, bids: [[price, qty]], asks: [[price, qty]]}`. */
export function parseOrderBook(json: unknown): OrderBook {
  const body = expectRecord(json, 'depth');
  return {
    lastUpdateId: expectInteger(body.lastUpdateId, 'depth.lastUpdateId'),
    bids: parseLevels(body.bids, 'depth.bids'),
    asks: parseLevels(body.asks, 'depth.asks'),
  };
}

/** `GET trades`: an array of `{id, price, qty, quoteQty, time, isBuyerMaker[, isBestMatch]}`. */
export function parseTrades(json: unknown): Trade[] {
  return expectArray(json, 'trades').map((entry, i) => {
    const what = `trades[${i}]`;
    const row = expectRecord(entry, what);
    return {
      id: expectInteger(row.id, `${what}.id`),
      price: expectDecimal(row.price, `${what}.price`),
      qty: expectDecimal(row.qty, `${what}.qty`),
      quoteQty: expectDecimal(row.quoteQty, `${what}.quoteQty`),
      time: expectInteger(row.time, `${what}.time`),
      isBuyerMaker: expectBoolean(row.isBuyerMaker, `${what}.isBuyerMaker`),
    };
  });
}

/** One 12-column kline row. Extra trailing columns are ignored, as Binance may append some. */
export function parseKlineRow(value: unknown, what: string): Kline {
  const row = expectArray(value, what);
  if (row.length < 12) throw badResponse(what, `has ${row.length} columns, expected 12`);
  const decimal = (i: number) => expectDecimal(row[i], `${what}[${i}]`);
  const integer = (i: number) => expectInteger(row[i], `${what}[${i}]`);
  const ignore = row[11];
  return {
    openTime: integer(0),
    open: decimal(1),
    high: decimal(2),
    low: decimal(3),
    close: decimal(4),
    volume: decimal(5),
    closeTime: integer(6),
    quoteVolume: decimal(7),
    trades: integer(8),
    takerBuyBaseVolume: decimal(9),
    takerBuyQuoteVolume: decimal(10),
    // Unused by Binance ("0" in real data); kept so the row can be written back unchanged.
    ignore: typeof ignore === 'number' ? String(ignore) : expectString(ignore, `${what}[11]`),
  };
}

/** `GET klines`: an array of 12-column rows, oldest first. */
export function parseKlines(json: unknown): Kline[] {
  return expectArray(json, 'klines').map((row, i) => parseKlineRow(row, `klines[${i}]`));
}
