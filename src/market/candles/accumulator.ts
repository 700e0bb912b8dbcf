/**
 * The open candle of one interval as exact decimals, and its conversions to and from the
 * string {@link Candle}. Values are parsed once per trade and summed as scaled BigInts.
 *
 * Sums print as the exchange prints its klines, so a built candle and the exchange's equal
 * string for string: volumes at the quantities' own width (spot pads to 8 decimals: a sum of
 * `"0.01000000"` rows is `"208601.00000000"`; futures `"10"` rows sum to `"3917"`), quote
 * volumes at the width of price × quantity but no wider than {@link QUOTE_PLACES} unless the
 * exact sum needs the digits (it is never rounded).
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import {
  add,
  compare,
  type Decimal,
  multiply,
  parseDecimal,
  pow10,
  toDecimalString,
  toDecimalStringTrimmed,
} from '../decimal/index.ts';
import type { Candle, CandleBar, CandleInterval } from './types.ts';

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
    // A zero at the trade's width: taker-buy sums print as wide as the others.
    takerBuyVolume: t.takerBuy ? t.quantity : { units: 0n, scale: t.quantity.scale },
    takerBuyQuoteVolume: t.takerBuy ? t.quote : { units: 0n, scale: t.quote.scale },
    trades: t.lastTradeId - t.firstTradeId + 1,
    firstTradeId: t.firstTradeId,
    lastTradeId: t.lastTradeId,
  };
}

/** Most fraction digits the exchange prints in a kline's quote volume (spot: 8, futures: fewer). */
export const QUOTE_PLACES = 8;

/** Zero volumes at the widths of a previous candle, so a quiet candle prints `"0.00000000"`. */
export interface ZeroWidths {
  readonly volume: Decimal;
  readonly quoteVolume: Decimal;
}

/** The zeros a quiet candle after `c` starts from. */
export function zeroWidthsOf(c: Pick<CandleAccumulator, 'volume' | 'quoteVolume'>): ZeroWidths {
  return {
    volume: { units: 0n, scale: c.volume.scale },
    quoteVolume: { units: 0n, scale: c.quoteVolume.scale },
  };
}

/** A candle without trades: flat at the previous close, as the exchange prints quiet intervals. */
export function openEmpty(
  interval: CandleInterval,
  openTime: number,
  closeTime: number,
  previousClose: string,
  zeros: ZeroWidths,
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
    volume: zeros.volume,
    quoteVolume: zeros.quoteVolume,
    takerBuyVolume: zeros.volume,
    takerBuyQuoteVolume: zeros.quoteVolume,
    trades: 0,
    firstTradeId: -1,
    lastTradeId: -1,
  };
}

/** Moves the candle's high and low out to `high` and `low` where they lie beyond. */
function stretch(c: CandleAccumulator, high: Decimal, highText: string, low: Decimal, lowText: string): void {
  if (compare(high, c.high) > 0) {
    c.high = high;
    c.highText = highText;
  }
  if (compare(low, c.low) < 0) {
    c.low = low;
    c.lowText = lowText;
  }
}

export function addTrade(c: CandleAccumulator, t: ParsedTrade): void {
  stretch(c, t.price, t.priceText, t.price, t.priceText);
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

/**
 * Adds `d`, the trades of a later stretch of the same candle, to `c`: highs and lows compose by
 * max and min, the close is the later one, sums add, exactly as its trades one by one would.
 */
export function mergeInto(c: CandleAccumulator, d: CandleAccumulator): void {
  stretch(c, d.high, d.highText, d.low, d.lowText);
  c.close = d.close;
  c.volume = add(c.volume, d.volume);
  c.quoteVolume = add(c.quoteVolume, d.quoteVolume);
  // A zero sum adds nothing but width, and taker-buy sums print at the whole volume's width.
  if (d.takerBuyVolume.units !== 0n) c.takerBuyVolume = add(c.takerBuyVolume, d.takerBuyVolume);
  if (d.takerBuyQuoteVolume.units !== 0n)
    c.takerBuyQuoteVolume = add(c.takerBuyQuoteVolume, d.takerBuyQuoteVolume);
  c.trades += d.trades;
  if (c.firstTradeId < 0) c.firstTradeId = d.firstTradeId;
  c.lastTradeId = d.lastTradeId;
}

/** `d` with at least `scale` fraction digits (a taker-buy sum as wide as the whole volume). */
function widenTo(d: Decimal, scale: number): Decimal {
  return d.scale >= scale ? d : { units: d.units * pow10(scale - d.scale), scale };
}
/** A volume at the width of its widest term (sums keep it). */
const volumeText = (d: Decimal, width: number): string => toDecimalString(widenTo(d, width));
/** A quote volume: price × quantity is twice as wide; the exchange prints at most 8 places. */
const quoteText = (d: Decimal, width: number): string =>
  toDecimalStringTrimmed(widenTo(d, width), QUOTE_PLACES);

export function toCandle(c: CandleAccumulator, closed: boolean): Candle {
  return {
    interval: c.interval,
    ...toBar(c),
    takerBuyVolume: volumeText(c.takerBuyVolume, c.volume.scale),
    takerBuyQuoteVolume: quoteText(c.takerBuyQuoteVolume, c.quoteVolume.scale),
    firstTradeId: c.firstTradeId,
    closed,
  };
}

/**
 * The open candle as it is stored: {@link toCandle} without the taker-buy sums, which are not
 * stored (two exact decimals printed per candle per flush, for every changed interval).
 */
export function toBar(c: CandleAccumulator): CandleBar {
  return {
    openTime: c.openTime,
    closeTime: c.closeTime,
    open: c.open,
    high: c.highText,
    low: c.lowText,
    close: c.close,
    volume: volumeText(c.volume, 0),
    quoteVolume: quoteText(c.quoteVolume, 0),
    trades: c.trades,
    closed: false,
    lastTradeId: c.lastTradeId,
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
