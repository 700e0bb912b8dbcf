/**
 * USDⓈ-M futures endpoints (`/fapi/v1/...`) with the weights of FORMATS §4.
 */
import { aggTrades } from './agg-trades.ts';
import { bookTicker } from './book-ticker.ts';
import { futuresExchangeInfo } from './exchange-info.ts';
import { limitParam, symbolParam } from './params.ts';
import { premiumIndexBody } from './premium-index.ts';
import {
  fixedWeight,
  klinesHandler,
  type Route,
  type RouteTable,
  requestedLimit,
  tradesHandler,
} from './routes.ts';
import { priceTicker } from './tickers.ts';

const tickerPrice: Route = {
  weight: (q) => (q.has('symbol') ? 1 : 2),
  handle: (q, ctx) => {
    const def = symbolParam(q, ctx.universe, 'futures', false);
    if (def) return priceTicker(ctx.model, def, ctx.now);
    return ctx.universe.futures.map((d) => priceTicker(ctx.model, d, ctx.now));
  },
};

const ticker24h: Route = {
  weight: (q) => (q.has('symbol') ? 1 : 40),
  handle: (q, ctx) => {
    const def = symbolParam(q, ctx.universe, 'futures', false);
    if (def) return ctx.tickers.ticker24h(def, ctx.now);
    return ctx.universe.futures.map((d) => ctx.tickers.ticker24h(d, ctx.now));
  },
};

const depth: Route = {
  weight: (q) => {
    const limit = requestedLimit(q, 500);
    return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
  },
  handle: (q, ctx) => {
    const def = symbolParam(q, ctx.universe, 'futures', true);
    return ctx.activity.depth(def, limitParam(q, 500, 1000), ctx.now);
  },
};

const klines: Route = {
  weight: (q) => {
    const limit = requestedLimit(q, 500);
    return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
  },
  handle: klinesHandler('futures', 1500),
};

const tickerBook: Route = {
  weight: (q) => (q.has('symbol') ? 2 : 5),
  handle: (q, ctx) => {
    const def = symbolParam(q, ctx.universe, 'futures', false);
    if (def) return bookTicker(ctx.activity, def, ctx.now);
    return ctx.universe.futures.map((d) => bookTicker(ctx.activity, d, ctx.now));
  },
};

const premiumIndex: Route = {
  weight: (q) => (q.has('symbol') ? 1 : 10),
  handle: (q, ctx) => {
    const def = symbolParam(q, ctx.universe, 'futures', false);
    if (def) return premiumIndexBody(ctx.model, def, ctx.now);
    return ctx.universe.futures.map((d) => premiumIndexBody(ctx.model, d, ctx.now));
  },
};

const aggregateTrades = fixedWeight(20, (q, ctx) =>
  aggTrades(ctx.activity, symbolParam(q, ctx.universe, 'futures', true), q, ctx.now),
);

/** The futures route table. */
export const FUTURES_ROUTES: RouteTable = new Map<string, Route>([
  ['/fapi/v1/ping', fixedWeight(1, () => ({}))],
  ['/fapi/v1/time', fixedWeight(1, (_q, ctx) => ({ serverTime: ctx.now }))],
  [
    '/fapi/v1/exchangeInfo',
    fixedWeight(1, (_q, ctx) => futuresExchangeInfo(ctx.universe, ctx.now, ctx.weightLimitPerMinute)),
  ],
  ['/fapi/v1/ticker/price', tickerPrice],
  ['/fapi/v1/ticker/24hr', ticker24h],
  ['/fapi/v1/ticker/bookTicker', tickerBook],
  ['/fapi/v1/premiumIndex', premiumIndex],
  ['/fapi/v1/depth', depth],
  ['/fapi/v1/trades', fixedWeight(5, tradesHandler('futures'))],
  ['/fapi/v1/aggTrades', aggregateTrades],
  ['/fapi/v1/klines', klines],
]);
