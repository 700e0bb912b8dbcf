/**
 * The open candle of one interval as exact decimals, and its conversions to and from the
 * string {@link Candle}. Values are parsed once per trade and summed as scaled BigInts.
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import {
  add,
  compare,
  type Decimal,
  multiply,
  normalise,
  parseDecimal,
  toDecimalString,
  ZERO,
} from '../decimal/index.ts';
import type { Candle, CandleInterval } from './types.ts';

/** A trade with its price and quantity parsed (shared by every interval). */
export interface ParsedTrade {
  readonly price: Decimal;
  readonly priceText: string;
  readonly quantity: Decimal;
  readonly quote: Decimal;
  readonly takerBuy: boolean;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  readonly time: number;
}

/** Mutable candle under construction. */
export interface CandleAccumulator {
  interval: CandleInterval;
  openTime: number;
  closeTime: number;
  open: string;
  high: Decimal;
  highText: string;
  low: Decimal;
  lowText: string;
  close: string;
  volume: Decimal;
  quoteVolume: Decimal;
  takerBuyVolume: Decimal;
  takerBuyQuoteVolume: Decimal;
  trades: number;
  firstTradeId: number;
  lastTradeId: number;
}

/** A candle holding just `trade`. */
export function openWith(
  interval: CandleInterval,
  openTime: number,
  closeTime: number,
  t: ParsedTrade,
): CandleAccumulator {
  return {
    interval,
    openTime,
    closeTime,
    open: t.priceText,
    high: t.price,
    highText: t.priceText,
    low: t.price,
    lowText: t.priceText,
    close: t.priceText,
    volume: t.quantity,
    quoteVolume: t.quote,
    takerBuyVolume: t.takerBuy ? t.quantity : ZERO,
    takerBuyQuoteVolume: t.takerBuy ? t.quote : ZERO,
    trades: t.lastTradeId - t.firstTradeId + 1,
    firstTradeId: t.firstTradeId,
    lastTradeId: t.lastTradeId,
  };
}

/** A candle without trades: flat at the previous close, as the exchange prints quiet intervals. */
export function openEmpty(
  interval: CandleInterval,
  openTime: number,
  closeTime: number,
  previousClose: string,
): CandleAccumulator {
  const price = parseDecimal(previousClose);
  return {
    interval,
    openTime,
    closeTime,
    open: previousClose,
    high: price,
    highText: previousClose,
    low: price,
    lowText: previousClose,
    close: previousClose,
    volume: ZERO,
    quoteVolume: ZERO,
    takerBuyVolume: ZERO,
    takerBuyQuoteVolume: ZERO,
    trades: 0,
    firstTradeId: -1,
    lastTradeId: -1,
  };
}

export function addTrade(c: CandleAccumulator, t: ParsedTrade): void {
  if (compare(t.price, c.high) > 0) {
    c.high = t.price;
    c.highText = t.priceText;
  }
  if (compare(t.price, c.low) < 0) {
    c.low = t.price;
    c.lowText = t.priceText;
  }
  c.close = t.priceText;
  c.volume = add(c.volume, t.quantity);
  c.quoteVolume = add(c.quoteVolume, t.quote);
  if (t.takerBuy) {
    c.takerBuyVolume = add(c.takerBuyVolume, t.quantity);
    c.takerBuyQuoteVolume = add(c.takerBuyQuoteVolume, t.quote);
  }
  c.trades += t.lastTradeId - t.firstTradeId + 1;
  if (c.firstTradeId < 0) c.firstTradeId = t.firstTradeId;
  c.lastTradeId = t.lastTradeId;
}

const text = (d: Decimal): string => toDecimalString(normalise(d));

export function toCandle(c: CandleAccumulator, closed: boolean): Candle {
  return {
    interval: c.interval,
    openTime: c.openTime,
    closeTime: c.closeTime,
    open: c.open,
    high: c.highText,
    low: c.lowText,
    close: c.close,
    volume: text(c.volume),
    quoteVolume: text(c.quoteVolume),
    takerBuyVolume: text(c.takerBuyVolume),
    takerBuyQuoteVolume: text(c.takerBuyQuoteVolume),
    trades: c.trades,
    firstTradeId: c.firstTradeId,
    lastTradeId: c.lastTradeId,
    closed,
  };
}

/** Back from a stored candle (a snapshot taken before a restart or by another worker). */
export function fromCandle(c: Candle): CandleAccumulator {
  const field = (name: keyof Candle) => ({ field: `candle ${name}` });
  return {
    interval: c.interval,
    openTime: c.openTime,
    closeTime: c.closeTime,
    open: c.open,
    high: parseDecimal(c.high, field('high')),
    highText: c.high,
    low: parseDecimal(c.low, field('low')),
    lowText: c.low,
    close: c.close,
    volume: parseDecimal(c.volume, field('volume')),
    quoteVolume: parseDecimal(c.quoteVolume, field('quoteVolume')),
    takerBuyVolume: parseDecimal(c.takerBuyVolume, field('takerBuyVolume')),
    takerBuyQuoteVolume: parseDecimal(c.takerBuyQuoteVolume, field('takerBuyQuoteVolume')),
    trades: c.trades,
    firstTradeId: c.firstTradeId,
    lastTradeId: c.lastTradeId,
  };
}

/** Parses a trade once for all intervals; throws a validation error on malformed values. */
export function parseTrade(t: {
  price: string;
  quantity: string;
  firstTradeId: number;
  lastTradeId: number;
  time: number;
  buyerIsMaker?: boolean;
}): ParsedTrade {
  const ids = [t.firstTradeId, t.lastTradeId, t.time];
  if (!ids.every((v) => Number.isSafeInteger(v) && v >= 0) || t.firstTradeId > t.lastTradeId) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      'trade ids and time must be non-negative integers with firstTradeId <= lastTradeId',
    );
  }
  const price = parseDecimal(t.price, { field: 'trade price' });
  const quantity = parseDecimal(t.quantity, { field: 'trade quantity' });
  return {
    price,
    priceText: t.price,
    quantity,
    quote: multiply(price, quantity),
    takerBuy: t.buyerIsMaker === false,
    firstTradeId: t.firstTradeId,
    lastTradeId: t.lastTradeId,
    time: t.time,
  };
}
