/**
 * Spot endpoints (`/api/v3/...`) with the weights of FORMATS §2.
 */
import { aggTrades } from './agg-trades.ts';
import { bookTicker } from './book-ticker.ts';
import { spotExchangeInfo } from './exchange-info.ts';
import { BinanceApiError, limitParam, symbolParam, symbolsParam } from './params.ts';
import {
  fixedWeight,
  klinesHandler,
  type Route,
  type RouteContext,
  type RouteTable,
  requestedLimit,
  tradesHandler,
} from './routes.ts';
import { priceTicker } from './tickers.ts';
import type { SymbolDef } from './universe.ts';

const SYMBOL_STATUSES = ['TRADING', 'END_OF_DAY', 'HALT', 'BREAK', 'CANCEL_ONLY'];

/** How many symbols a `symbols=[...]` parameter names (0 when absent or malformed). */
function symbolsCount(q: URLSearchParams): number {
  try {
    const parsed: unknown = JSON.parse(q.get('symbols') ?? '[]');
    return Array.isArray(parsed) ? parsed.length : 0;
  } catch {
    return 0;
  }
}

/** One symbol (`symbol`), a list (`symbols`) or every symbol, with the matching response shape. */
function selection(
  q: URLSearchParams,
  ctx: RouteContext,
): { one: SymbolDef } | { many: readonly SymbolDef[] } {
  const many = symbolsParam(q, ctx.universe, 'spot');
  if (many) return { many };
  const one = symbolParam(q, ctx.universe, 'spot', false);
  return one ? { one } : { many: ctx.universe.spot };
}

const exchangeInfo: Route = fixedWeight(20, (q, ctx) => {
  const status = q.get('symbolStatus');
  let symbols: readonly SymbolDef[] = ctx.universe.spot;
  if (status !== null) {
    if (q.has('symbol') || q.has('symbols')) {
      throw new BinanceApiError(400, -1128, 'Combination of optional parameters invalid.');
    }
    if (!SYMBOL_STATUSES.includes(status)) throw new BinanceApiError(400, -1122, 'Invalid symbolStatus.');
    symbols = symbols.filter((d) => d.status === status);
  } else {
    const sel = selection(q, ctx);
    symbols = 'one' in sel ? [sel.one] : sel.many;
  }
  return spotExchangeInfo(symbols, ctx.now, ctx.weightLimitPerMinute);
});

const tickerPrice: Route = {
  weight: (q) => (q.has('symbol') ? 2 : 4),
  handle: (q, ctx) => {
    const sel = selection(q, ctx);
    if ('one' in sel) return priceTicker(ctx.model, sel.one, ctx.now);
    return sel.many.map((d) => priceTicker(ctx.model, d, ctx.now));
  },
};

const ticker24h: Route = {
  weight: (q) => {
    if (q.has('symbol')) return 2;
    const n = symbolsCount(q);
    if (n === 0) return 80;
    return n <= 20 ? 2 : n <= 100 ? 40 : 80;
  },
  handle: (q, ctx) => {
    const type = q.get('type') ?? 'FULL';
    if (type !== 'FULL' && type !== 'MINI') {
      throw new BinanceApiError(400, -1130, "Data sent for parameter 'type' is not valid.");
    }
    const sel = selection(q, ctx);
    const mini = type === 'MINI';
    if ('one' in sel) return ctx.tickers.ticker24h(sel.one, ctx.now, mini);
    return sel.many.map((d) => ctx.tickers.ticker24h(d, ctx.now, mini));
  },
};

const depth: Route = {
  weight: (q) => {
    const limit = requestedLimit(q, 100);
    return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
  },
  handle: (q, ctx) => {
    const def = symbolParam(q, ctx.universe, 'spot', true);
    return ctx.activity.depth(def, limitParam(q, 100, 5000), ctx.now);
  },
};

const klines = fixedWeight(2, klinesHandler('spot', 1000));

const tickerBook: Route = {
  weight: (q) => (q.has('symbol') ? 2 : 4),
  handle: (q, ctx) => {
    const sel = selection(q, ctx);
    if ('one' in sel) return bookTicker(ctx.activity, sel.one, ctx.now);
    return sel.many.map((d) => bookTicker(ctx.activity, d, ctx.now));
  },
};

const aggregateTrades = fixedWeight(4, (q, ctx) =>
  aggTrades(ctx.activity, symbolParam(q, ctx.universe, 'spot', true), q, ctx.now),
);

/** The spot route table. */
export const SPOT_ROUTES: RouteTable = new Map<string, Route>([
  ['/api/v3/ping', fixedWeight(1, () => ({}))],
  ['/api/v3/time', fixedWeight(1, (_q, ctx) => ({ serverTime: ctx.now }))],
  ['/api/v3/exchangeInfo', exchangeInfo],
  ['/api/v3/ticker/price', tickerPrice],
  ['/api/v3/ticker/24hr', ticker24h],
  ['/api/v3/ticker/bookTicker', tickerBook],
  ['/api/v3/depth', depth],
  ['/api/v3/trades', fixedWeight(25, tradesHandler('spot'))],
  ['/api/v3/aggTrades', aggregateTrades],
  ['/api/v3/klines', klines],
  ['/api/v3/uiKlines', klines],
]);
