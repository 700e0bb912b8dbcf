import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { AggTradeQuery } from '../../trading/exchange-client.ts';
import {
  isInterval,
  isMarketType,
  type KlineInterval,
  type KlineQuery,
  type MarketType,
} from '../../trading/index.ts';

/**
 * Request checks done before any network call: a bad symbol, interval or limit costs request
 * weight at Binance and only comes back as a 400, so we refuse it here with the same codes.
 */

/** Binance's own rule for symbols (the −1100 message quotes it). */
const SYMBOL_PATTERN = /^[A-Z0-9_.-]{1,20}$/;

/** Largest `limit` each endpoint accepts, per market (rest-api.md and the futures docs). */
export const LIMIT_MAX = {
  spot: { klines: 1000, depth: 5000, trades: 1000, aggTrades: 1000 },
  futures: { klines: 1500, depth: 1000, trades: 1000, aggTrades: 1000 },
} as const satisfies Record<MarketType, Record<string, number>>;

type LimitedEndpoint = keyof (typeof LIMIT_MAX)['spot'];

function badRequest(message: string, context: Record<string, unknown>): TradecacheError {
  return new TradecacheError(ErrorCodes.EXCHANGE_BAD_REQUEST, message, { context });
}

export function checkMarket(market: unknown): asserts market is MarketType {
  if (!isMarketType(market)) {
    throw badRequest('Unknown market: expected spot or futures', { market: String(market) });
  }
}

export function checkSymbol(symbol: unknown): asserts symbol is string {
  if (typeof symbol !== 'string' || !SYMBOL_PATTERN.test(symbol)) {
    // Quoting a bounded slice only: symbols come from users.
    const shown = typeof symbol === 'string' ? symbol.slice(0, 24) : typeof symbol;
    throw badRequest(`Illegal symbol ${JSON.stringify(shown)}: must match ${SYMBOL_PATTERN.source}`, {
      symbol: shown,
    });
  }
}

export function checkInterval(market: MarketType, interval: unknown): asserts interval is KlineInterval {
  if (!isInterval(interval, market)) {
    const shown = typeof interval === 'string' ? interval.slice(0, 8) : typeof interval;
    throw new TradecacheError(
      ErrorCodes.EXCHANGE_INVALID_INTERVAL,
      `Invalid ${market} kline interval ${JSON.stringify(shown)}`,
      { context: { market, interval: shown } },
    );
  }
}

export function checkLimit(market: MarketType, endpoint: LimitedEndpoint, limit: number | undefined): void {
  if (limit === undefined) return;
  const max = LIMIT_MAX[market][endpoint];
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw badRequest(`${market} ${endpoint} limit must be an integer from 1 to ${max}`, {
      market,
      endpoint,
      limit,
    });
  }
}

function checkTime(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw badRequest(`${name} must be a non-negative epoch-ms integer`, { [name]: value });
  }
}

/** Every check a kline request needs; returns nothing and throws on the first problem. */
export function checkKlineQuery(market: MarketType, query: KlineQuery): void {
  checkSymbol(query.symbol);
  checkInterval(market, query.interval);
  checkLimit(market, 'klines', query.limit);
  checkTime('startTime', query.startTime);
  checkTime('endTime', query.endTime);
  if (query.startTime !== undefined && query.endTime !== undefined && query.startTime > query.endTime) {
    throw badRequest('startTime is after endTime', { startTime: query.startTime, endTime: query.endTime });
  }
}

/** Binance refuses an aggTrades window of an hour or more (-1127); we refuse it first. */
export const AGG_TRADES_MAX_WINDOW_MS = 3_600_000;

/** Every check an aggTrades request needs; throws on the first problem. */
export function checkAggTradeQuery(market: MarketType, query: AggTradeQuery): void {
  checkSymbol(query.symbol);
  checkLimit(market, 'aggTrades', query.limit);
  if (query.fromId !== undefined && (!Number.isSafeInteger(query.fromId) || query.fromId < 0)) {
    throw badRequest('fromId must be a non-negative integer (an aggregate trade id)', {
      fromId: query.fromId,
    });
  }
  checkTime('startTime', query.startTime);
  checkTime('endTime', query.endTime);
  const { startTime, endTime } = query;
  if (startTime !== undefined && endTime !== undefined) {
    if (startTime > endTime) throw badRequest('startTime is after endTime', { startTime, endTime });
    if (endTime - startTime >= AGG_TRADES_MAX_WINDOW_MS) {
      throw badRequest('aggTrades startTime and endTime must be less than one hour apart', {
        startTime,
        endTime,
      });
    }
  }
}
