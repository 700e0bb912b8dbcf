import type { AggTrade, BookTicker, PremiumIndex } from '../../trading/quotes.ts';
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
 * Parsers for the bodies a live feed polls besides prices and books: book tickers, futures
 * premium index, aggregate trades and the server time. Pure functions, as strict as those of
 * `market-data.ts`: a body that is not the documented shape is EXCHANGE_BAD_RESPONSE, decimals
 * stay the exchange's strings, fields we do not know are ignored.
 */

function parseBookTicker(entry: unknown, what: string): BookTicker {
  const row = expectRecord(entry, what);
  const decimal = (key: string) => expectDecimal(row[key], `${what}.${key}`);
  const quote: BookTicker = {
    symbol: expectName(row.symbol, `${what}.symbol`),
    bidPrice: decimal('bidPrice'),
    bidQty: decimal('bidQty'),
    askPrice: decimal('askPrice'),
    askQty: decimal('askQty'),
  };
  // Futures stamp the quote with its time and book update id; spot sends neither.
  return {
    ...quote,
    ...(row.time === undefined ? {} : { time: expectInteger(row.time, `${what}.time`) }),
    ...(row.lastUpdateId === undefined
      ? {}
      : { lastUpdateId: expectInteger(row.lastUpdateId, `${what}.lastUpdateId`) }),
  };
}

/** `GET ticker/bookTicker`: one `{symbol, bidPrice, bidQty, askPrice, askQty[, time, lastUpdateId]}` or an array. */
export function parseBookTickers(json: unknown): BookTicker[] {
  return oneOrMany(json, 'ticker/bookTicker').map((entry, i) =>
    parseBookTicker(entry, `ticker/bookTicker[${i}]`),
  );
}

/** A decimal, or null where Binance sends "" (funding fields of delivery contracts). */
function decimalOrNull(value: unknown, what: string): string | null {
  return expectString(value, what) === '' ? null : expectDecimal(value, what);
}

function parsePremiumIndexRow(entry: unknown, what: string): PremiumIndex {
  const row = expectRecord(entry, what);
  const decimal = (key: string) => expectDecimal(row[key], `${what}.${key}`);
  const nextFundingTime = expectInteger(row.nextFundingTime, `${what}.nextFundingTime`);
  return {
    symbol: expectName(row.symbol, `${what}.symbol`),
    markPrice: decimal('markPrice'),
    indexPrice: decimal('indexPrice'),
    estimatedSettlePrice: decimal('estimatedSettlePrice'),
    lastFundingRate: decimalOrNull(row.lastFundingRate, `${what}.lastFundingRate`),
    interestRate: decimalOrNull(row.interestRate, `${what}.interestRate`),
    // 0 is how Binance says "no funding" (delivery contracts); no real funding is at the epoch.
    nextFundingTime: nextFundingTime === 0 ? null : nextFundingTime,
    time: expectInteger(row.time, `${what}.time`),
  };
}

/** `GET /fapi/v1/premiumIndex`: one object for `symbol=`, otherwise an array. */
export function parsePremiumIndex(json: unknown): PremiumIndex[] {
  return oneOrMany(json, 'premiumIndex').map((entry, i) => parsePremiumIndexRow(entry, `premiumIndex[${i}]`));
}

/** `GET aggTrades`: an array of `{a, p, q, f, l, T, m[, M]}` (spot adds `M`, which we drop like `isBestMatch`). */
export function parseAggTrades(json: unknown): AggTrade[] {
  return expectArray(json, 'aggTrades').map((entry, i) => {
    const what = `aggTrades[${i}]`;
    const row = expectRecord(entry, what);
    const firstTradeId = expectInteger(row.f, `${what}.f`);
    const lastTradeId = expectInteger(row.l, `${what}.l`);
    // A reversed range would make a candle's trade count (l - f + 1) zero or negative.
    if (lastTradeId < firstTradeId) throw badResponse(`${what}.l`, 'is below the first trade id f');
    return {
      id: expectInteger(row.a, `${what}.a`),
      price: expectDecimal(row.p, `${what}.p`),
      qty: expectDecimal(row.q, `${what}.q`),
      firstTradeId,
      lastTradeId,
      time: expectInteger(row.T, `${what}.T`),
      isBuyerMaker: expectBoolean(row.m, `${what}.m`),
    };
  });
}

/** `GET time`: `{serverTime}` in epoch ms. */
export function parseServerTime(json: unknown): number {
  const body = expectRecord(json, 'time');
  const serverTime = expectInteger(body.serverTime, 'time.serverTime');
  if (serverTime <= 0) throw badResponse('time.serverTime', 'is not a positive epoch-ms time');
  return serverTime;
}
