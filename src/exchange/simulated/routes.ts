/**
 * What a market route is, and the handlers shared by spot and futures (klines, trades), which
 * differ only in limits and weights.
 */
import type { MarketType } from '../../trading/index.ts';
import type { MarketActivity } from './book.ts';
import type { KlineGenerator } from './klines.ts';
import { intervalParam, limitParam, symbolParam, timeRange } from './params.ts';
import type { PriceModel } from './prices.ts';
import type { TickerBook } from './tickers.ts';
import type { Universe } from './universe.ts';

/** Everything a route handler reads; `now` is fixed for the whole request. */
export interface RouteContext {
  readonly universe: Universe;
  readonly model: PriceModel;
  readonly klines: KlineGenerator;
  readonly activity: MarketActivity;
  readonly tickers: TickerBook;
  readonly now: number;
  readonly weightLimitPerMinute: number;
}

/** One GET endpoint: its request weight (from the query alone) and its handler. */
export interface Route {
  weight(q: URLSearchParams): number;
  /** Returns the JSON body, or throws BinanceApiError. */
  handle(q: URLSearchParams, ctx: RouteContext): unknown;
}

/** Routes of one market keyed by full path (`/api/v3/klines`). */
export type RouteTable = ReadonlyMap<string, Route>;

/** Builds a route with a constant weight. */
export function fixedWeight(weight: number, handle: Route['handle']): Route {
  return { weight: () => weight, handle };
}

/** GET klines for a market: default limit 500, capped at `maxLimit`. */
export function klinesHandler(market: MarketType, maxLimit: number): Route['handle'] {
  return (q, ctx) => {
    const def = symbolParam(q, ctx.universe, market, true);
    const interval = intervalParam(q, market);
    const limit = limitParam(q, 500, maxLimit);
    return ctx.klines.rows(def, { interval, limit, ...timeRange(q) }, ctx.now);
  };
}

/** GET trades for a market: default limit 500, max 1000. */
export function tradesHandler(market: MarketType): Route['handle'] {
  return (q, ctx) => {
    const def = symbolParam(q, ctx.universe, market, true);
    return ctx.activity.recentTrades(def, limitParam(q, 500, 1000), ctx.now);
  };
}

/** The requested limit as a number for weight tables, or the default when absent/invalid. */
export function requestedLimit(q: URLSearchParams, defaultLimit: number): number {
  const value = Number(q.get('limit') ?? Number.NaN);
  return Number.isInteger(value) && value > 0 ? value : defaultLimit;
}
