import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { WeightedEndpoint, WeightParams } from '../../trading/exchange-client.ts';
import type { MarketType } from '../../trading/markets.ts';

/**
 * Binance's documented request weight of each public call (FORMATS.md §2 and §4: the spot
 * `rest-api.md` tables and the USDⓈ-M futures pages), so a poller can plan a minute's calls
 * within the limit before sending them. The server's `X-MBX-USED-WEIGHT-1M` stays the truth
 * of what was spent (the ledger reads it); these are what each call will add.
 */

type WeightRule = (params: WeightParams) => number;

const byScope =
  (one: number, all: number): WeightRule =>
  (params) =>
    params.symbol === undefined ? all : one;

/** Spot depth: 1–100 → 5, 101–500 → 25, 501–1000 → 50, 1001–5000 → 250; default 100. */
function spotDepth({ limit = 100 }: WeightParams): number {
  return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
}

/** Futures depth: 5/10/20/50 → 2, 100 → 5, 500 → 10, 1000 → 20; default 500. */
function futuresDepth({ limit = 500 }: WeightParams): number {
  return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
}

/** Futures klines: [1,100) → 1, [100,500) → 2, [500,1000] → 5, above → 10; default 500. */
function futuresKlines({ limit = 500 }: WeightParams): number {
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

const WEIGHTS: Readonly<Record<MarketType, Readonly<Record<WeightedEndpoint, WeightRule>>>> = {
  spot: {
    exchangeInfo: () => 20,
    'ticker/price': byScope(2, 4),
    'ticker/24hr': byScope(2, 80),
    'ticker/bookTicker': byScope(2, 4),
    // Spot has no premium index; the client refuses the call without sending it.
    premiumIndex: () => 0,
    depth: spotDepth,
    trades: () => 25,
    aggTrades: () => 4,
    klines: () => 2,
    time: () => 1,
  },
  futures: {
    exchangeInfo: () => 1,
    'ticker/price': byScope(1, 2),
    'ticker/24hr': byScope(1, 40),
    'ticker/bookTicker': byScope(2, 5),
    premiumIndex: byScope(1, 10),
    depth: futuresDepth,
    trades: () => 5,
    aggTrades: () => 20,
    klines: futuresKlines,
    time: () => 1,
  },
};

/** The weight one call to `endpoint` costs on `market` (one symbol vs all, and the limit, matter). */
export function requestWeight(
  market: MarketType,
  endpoint: WeightedEndpoint,
  params: WeightParams = {},
): number {
  const rule = Object.hasOwn(WEIGHTS[market], endpoint) ? WEIGHTS[market][endpoint] : undefined;
  if (!rule) {
    throw new TradecacheError(
      ErrorCodes.EXCHANGE_BAD_REQUEST,
      `No known request weight for ${market} endpoint`,
      {
        context: { market, endpoint: String(endpoint).slice(0, 40) },
      },
    );
  }
  return rule(params);
}
