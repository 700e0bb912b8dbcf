/**
 * Price and rolling 24h tickers, computed from the same price path and trade slots as klines
 * and trades, so a ticker's lastPrice equals the close of the still-open candle.
 */

import type { MarketActivity } from './book.ts';
import { formatDecimal } from './decimal.ts';
import { unit } from './hash.ts';
import { type PriceModel, roundToTick } from './prices.ts';
import type { SymbolDef, Universe } from './universe.ts';

const DAY = 86_400_000;
const SAMPLES = 48;

/** `ticker/price` body (futures add `time`). */
export function priceTicker(model: PriceModel, def: SymbolDef, now: number): Record<string, unknown> {
  const at = def.haltedAt === null ? now : Math.min(now, def.haltedAt);
  const price = formatDecimal(model.tickPrice(def, at), def.priceDecimals, def.padTo);
  return def.market === 'spot' ? { symbol: def.symbol, price } : { symbol: def.symbol, price, time: now };
}

/** Computes 24h ticker bodies in the spot FULL/MINI and futures shapes. */
export class TickerBook {
  readonly #model: PriceModel;
  readonly #activity: MarketActivity;
  readonly #universe: Universe;

  constructor(model: PriceModel, activity: MarketActivity, universe: Universe) {
    this.#model = model;
    this.#activity = activity;
    this.#universe = universe;
  }

  /** The rolling-window ticker of one symbol. */
  ticker24h(def: SymbolDef, now: number, mini = false): Record<string, unknown> {
    const openTime = now - DAY;
    const end = this.#activity.liveEnd(def, now);
    const fmtPrice = (x: number) => formatDecimal(roundToTick(x, def.tick), def.priceDecimals, def.padTo);
    const quoteDecimals = def.padTo || Math.min(8, def.priceDecimals + def.qtyDecimals);
    const firstSlot = this.#activity.firstSlotFrom(def, Math.max(openTime, def.listedAt));
    const lastSlot = this.#activity.lastSlot(def, end);
    if (end <= openTime || lastSlot < firstSlot) return this.#empty(def, openTime, now, mini);

    const open = this.#model.price(def, Math.max(openTime, def.listedAt));
    const last = this.#model.price(def, end);
    let high = Math.max(open, last);
    let low = Math.min(open, last);
    for (let i = 1; i < SAMPLES; i++) {
      const p = this.#model.price(def, openTime + ((end - openTime) * i) / SAMPLES);
      high = Math.max(high, p);
      low = Math.min(low, p);
    }
    const minutes = (end - Math.max(openTime, def.listedAt)) / 60_000;
    const usd = def.usdPerMinute * minutes * (0.6 + 0.8 * unit(this.#universe.seed, 'd24', def.symbol));
    const quoteVolume = usd / this.#universe.referenceUsd(def.quoteAsset);
    const volume = quoteVolume / ((open + last + high + low) / 4);
    const openS = fmtPrice(open);
    const lastS = fmtPrice(last);
    const change = Number(lastS) - Number(openS);
    const common = {
      openPrice: openS,
      highPrice: fmtPrice(high),
      lowPrice: fmtPrice(low),
      lastPrice: lastS,
      volume: formatDecimal(volume, def.qtyDecimals, def.padTo),
      quoteVolume: formatDecimal(quoteVolume, quoteDecimals),
      openTime,
      closeTime: now,
      firstId: this.#activity.tradeId(def, firstSlot),
      lastId: this.#activity.tradeId(def, lastSlot),
      count: lastSlot - firstSlot + 1,
    };
    if (mini) return { symbol: def.symbol, ...common };
    const lastTrade = this.#activity.trade(def, lastSlot);
    const head: Record<string, unknown> = {
      symbol: def.symbol,
      priceChange: formatDecimal(change, def.priceDecimals, def.padTo),
      priceChangePercent: formatDecimal((change / Number(openS)) * 100, 3),
      weightedAvgPrice: fmtPrice(quoteVolume / volume),
    };
    if (def.market === 'futures')
      return { ...head, lastPrice: lastS, lastQty: lastTrade.qty, ...pick(common) };
    const book = this.#activity.depth(def, 1, now);
    const prevClose = this.#model.price(def, Math.max(openTime, def.listedAt) - def.tradeSpacingMs);
    return {
      ...head,
      prevClosePrice: fmtPrice(prevClose),
      lastPrice: lastS,
      lastQty: lastTrade.qty,
      bidPrice: book.bids[0]?.[0] ?? fmtZero(def),
      bidQty: book.bids[0]?.[1] ?? fmtZero(def),
      askPrice: book.asks[0]?.[0] ?? fmtZero(def),
      askQty: book.asks[0]?.[1] ?? fmtZero(def),
      ...pick(common),
    };
  }

  /** A symbol without trades in the window: zero prices and ids of -1, as Binance sends. */
  #empty(def: SymbolDef, openTime: number, closeTime: number, mini: boolean): Record<string, unknown> {
    const z = fmtZero(def);
    const tail = {
      openPrice: z,
      highPrice: z,
      lowPrice: z,
      lastPrice: z,
      volume: z,
      quoteVolume: z,
      openTime,
      closeTime,
      firstId: -1,
      lastId: -1,
      count: 0,
    };
    if (mini) return { symbol: def.symbol, ...tail };
    const head = { symbol: def.symbol, priceChange: z, priceChangePercent: '0.000', weightedAvgPrice: z };
    if (def.market === 'futures') return { ...head, lastPrice: z, lastQty: z, ...pick(tail) };
    return {
      ...head,
      prevClosePrice: z,
      lastPrice: z,
      lastQty: z,
      bidPrice: z,
      bidQty: z,
      askPrice: z,
      askQty: z,
      ...pick(tail),
    };
  }
}

/** The fields after lastPrice/lastQty, in Binance's order (lastPrice itself is placed by the caller). */
function pick<T extends { lastPrice: string }>(common: T): Omit<T, 'lastPrice'> {
  const { lastPrice: _ignored, ...rest } = common;
  return rest;
}

function fmtZero(def: SymbolDef): string {
  return formatDecimal(0, def.padTo || def.priceDecimals);
}
