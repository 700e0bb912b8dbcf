/**
 * Candles for any range, generated on demand. A candle's open is the price at its open time
 * and its close the price at the next open time, so consecutive candles always join up
 * (close[i] === open[i+1]) and the same candle is identical however the range is requested.
 */
import type { KlineInterval } from '../../trading/index.ts';
import { alignDown, alignUp, nextOpen, previousOpen } from '../../trading/index.ts';
import { formatDecimal } from './decimal.ts';
import { unit } from './hash.ts';
import { type PriceModel, roundToTick } from './prices.ts';
import type { SymbolDef, Universe } from './universe.ts';

/** One kline in the 12-column Binance array form. */
export type KlineRow = [
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  number,
  string,
  string,
  string,
];

/** Which candles to return, with Binance's startTime/endTime/limit semantics. */
export interface KlineWindow {
  readonly interval: KlineInterval;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly limit: number;
}

/**
 * Open times of the candles a request selects, oldest first: from startTime onward (stopping at
 * endTime), or the latest `limit` up to endTime (or now). Never before listing, never in the
 * future; the still-open candle is included.
 */
export function selectOpenTimes(def: SymbolDef, window: KlineWindow, now: number): number[] {
  const { interval, startTime, endTime, limit } = window;
  const liveEnd = def.haltedAt === null ? now : Math.min(now, def.haltedAt);
  const firstOpen = alignDown(interval, def.listedAt);
  const lastOpen = alignDown(
    interval,
    def.haltedAt !== null && liveEnd === def.haltedAt ? liveEnd - 1 : liveEnd,
  );
  const out: number[] = [];
  if (startTime !== undefined) {
    const stop = endTime === undefined ? lastOpen : Math.min(lastOpen, endTime);
    for (let o = Math.max(alignUp(interval, startTime), firstOpen); o <= stop && out.length < limit; ) {
      out.push(o);
      o = nextOpen(interval, o);
    }
    return out;
  }
  const from = endTime === undefined ? lastOpen : Math.min(lastOpen, alignDown(interval, endTime));
  for (let o = from; o >= firstOpen && out.length < limit; o = previousOpen(interval, o)) out.push(o);
  return out.reverse();
}

/** Builds klines for a symbol. */
export class KlineGenerator {
  readonly #model: PriceModel;
  readonly #universe: Universe;

  constructor(model: PriceModel, universe: Universe) {
    this.#model = model;
    this.#universe = universe;
  }

  /** The candles selected by `window` at time `now`. */
  rows(def: SymbolDef, window: KlineWindow, now: number): KlineRow[] {
    return selectOpenTimes(def, window, now).map((o) => this.row(def, window.interval, o, now));
  }

  /** One candle; the still-open one closes at the current price and counts only elapsed volume. */
  row(def: SymbolDef, interval: KlineInterval, openTime: number, now: number): KlineRow {
    const seed = this.#universe.seed;
    const boundary = nextOpen(interval, openTime);
    const liveEnd = def.haltedAt === null ? now : Math.min(now, def.haltedAt);
    const end = Math.min(boundary, Math.max(openTime, liveEnd));
    const open = this.#model.price(def, openTime);
    const close = this.#model.price(def, end);
    const minutes = (end - openTime) / 60_000;
    // Longer candles get more sample points, so a month's range covers its swings.
    const samples = 4 + Math.ceil(Math.log2(minutes + 1));
    let high = Math.max(open, close);
    let low = Math.min(open, close);
    for (let i = 1; i < samples; i++) {
      const p = this.#model.price(def, openTime + ((end - openTime) * i) / samples);
      if (p > high) high = p;
      if (p < low) low = p;
    }
    const wickScale = 0.0006 * Math.min(6, Math.sqrt(minutes + 1));
    high *= 1 + wickScale * unit(seed, 'wickUp', def.symbol, interval, openTime);
    low *= 1 - wickScale * unit(seed, 'wickDown', def.symbol, interval, openTime);

    const avg = (open + close + high + low) / 4;
    const quoteUsd = this.#universe.referenceUsd(def.quoteAsset);
    const usdVolume =
      def.usdPerMinute * minutes * (0.4 + 1.2 * unit(seed, 'kvol', def.symbol, interval, openTime));
    const quoteVolume = usdVolume / quoteUsd;
    const volume = quoteVolume / avg;
    const avgTradeUsd = (def.usdPerMinute * def.tradeSpacingMs) / 60_000;
    const trades = usdVolume > 0 ? Math.max(1, Math.round(usdVolume / avgTradeUsd)) : 0;
    const takerShare = 0.35 + 0.3 * unit(seed, 'taker', def.symbol, interval, openTime);

    const price = (x: number) => formatDecimal(roundToTick(x, def.tick), def.priceDecimals, def.padTo);
    const qty = (x: number) => formatDecimal(x, def.qtyDecimals, def.padTo);
    const quoteDecimals = def.padTo || Math.min(8, def.priceDecimals + def.qtyDecimals);
    const quote = (x: number) => formatDecimal(x, quoteDecimals);
    return [
      openTime,
      price(open),
      price(high),
      price(low),
      price(close),
      qty(volume),
      boundary - 1,
      quote(quoteVolume),
      trades,
      qty(volume * takerShare),
      quote(quoteVolume * takerShare),
      '0',
    ];
  }
}
