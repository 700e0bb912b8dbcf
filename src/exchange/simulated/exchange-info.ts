/**
 * exchangeInfo bodies in the shapes of FORMATS §2.1 (spot, 2023 field order plus the newer
 * permissionSets) and §4.1 (USDⓈ-M futures, with its own filter names and mixed key order).
 */
import { formatDecimal, formatStep } from './decimal.ts';
import type { SymbolDef, Universe } from './universe.ts';

const SPOT_ORDER_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'];
const FUTURES_ORDER_TYPES = [
  'LIMIT',
  'MARKET',
  'STOP',
  'STOP_MARKET',
  'TAKE_PROFIT',
  'TAKE_PROFIT_MARKET',
  'TRAILING_STOP_MARKET',
];
const STP_MODES = ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'];
/** Far-future delivery date Binance gives perpetuals (2100-12-25). */
const PERPETUAL_DELIVERY = 4133404800000;

function rateLimits(weightLimitPerMinute: number): Record<string, unknown>[] {
  return [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimitPerMinute },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 },
    { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 160000 },
    { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
  ];
}

/** One spot `symbols[]` entry. */
export function spotSymbolInfo(def: SymbolDef): Record<string, unknown> {
  const d8 = (x: number) => formatDecimal(x, 8);
  // BTCUSDT allows 9000 BTC per order; cheaper coins proportionally more, up to Binance's usual cap.
  const maxQty = Math.min(92_141_578, Math.round(0.09 / def.step));
  return {
    symbol: def.symbol,
    status: def.status,
    baseAsset: def.baseAsset,
    baseAssetPrecision: 8,
    quoteAsset: def.quoteAsset,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: SPOT_ORDER_TYPES,
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: def.quoteAsset === 'USDT' || def.quoteAsset === 'BTC',
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: formatStep(def.tick, 8),
        maxPrice: d8(def.tick * 1e8 >= 1e6 ? 1_000_000 : def.tick * 1e8),
        tickSize: formatStep(def.tick, 8),
      },
      {
        filterType: 'LOT_SIZE',
        minQty: formatStep(def.step, 8),
        maxQty: d8(maxQty),
        stepSize: formatStep(def.step, 8),
      },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: d8(0), maxQty: d8(maxQty / 10), stepSize: d8(0) },
      {
        filterType: 'TRAILING_DELTA',
        minTrailingAboveDelta: 10,
        maxTrailingAboveDelta: 2000,
        minTrailingBelowDelta: 10,
        maxTrailingBelowDelta: 2000,
      },
      {
        filterType: 'PERCENT_PRICE_BY_SIDE',
        bidMultiplierUp: '5',
        bidMultiplierDown: '0.2',
        askMultiplierUp: '5',
        askMultiplierDown: '0.2',
        avgPriceMins: 5,
      },
      {
        filterType: 'NOTIONAL',
        minNotional: d8(def.minNotional),
        applyMinToMarket: true,
        maxNotional: d8(9_000_000),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT', 'MARGIN']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: STP_MODES,
  };
}

/** One futures `symbols[]` entry. */
export function futuresSymbolInfo(def: SymbolDef): Record<string, unknown> {
  const pair = def.symbol.split('_')[0] ?? def.symbol;
  const tick = formatStep(def.tick, 0);
  const step = formatStep(def.step, 0);
  const maxQty = String(Math.round(1_000_000 * def.step * 1000));
  return {
    symbol: def.symbol,
    pair,
    contractType: def.contractType ?? 'PERPETUAL',
    deliveryDate: def.deliveryDate ?? PERPETUAL_DELIVERY,
    onboardDate: def.listedAt,
    status: def.status,
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: def.baseAsset,
    quoteAsset: def.quoteAsset,
    marginAsset: def.quoteAsset,
    pricePrecision: def.priceDecimals,
    quantityPrecision: def.qtyDecimals,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    // Real futures data mixes key order inside filters; clients must not rely on it.
    filters: [
      { minPrice: tick, maxPrice: formatStep(def.tick * 1e7, 0), filterType: 'PRICE_FILTER', tickSize: tick },
      { stepSize: step, filterType: 'LOT_SIZE', maxQty, minQty: step },
      { stepSize: step, filterType: 'MARKET_LOT_SIZE', maxQty: String(Number(maxQty) / 10), minQty: step },
      { limit: 200, filterType: 'MAX_NUM_ORDERS' },
      { limit: 10, filterType: 'MAX_NUM_ALGO_ORDERS' },
      { notional: String(def.minNotional), filterType: 'MIN_NOTIONAL' },
      {
        multiplierDown: '0.9500',
        multiplierUp: '1.0500',
        multiplierDecimal: '4',
        filterType: 'PERCENT_PRICE',
      },
    ],
    orderTypes: FUTURES_ORDER_TYPES,
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  };
}

/** Full spot exchangeInfo for the given symbols. */
export function spotExchangeInfo(symbols: readonly SymbolDef[], now: number, weightLimit: number): unknown {
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: rateLimits(weightLimit),
    exchangeFilters: [],
    symbols: symbols.map(spotSymbolInfo),
  };
}

/** Full futures exchangeInfo. */
export function futuresExchangeInfo(universe: Universe, now: number, weightLimit: number): unknown {
  const margin = [...new Set(universe.futures.map((d) => d.quoteAsset))];
  return {
    timezone: 'UTC',
    serverTime: now,
    futuresType: 'U_MARGINED',
    rateLimits: rateLimits(weightLimit).filter((r) => r.rateLimitType !== 'RAW_REQUESTS'),
    exchangeFilters: [],
    assets: margin.map((asset) => ({ asset, marginAvailable: true, autoAssetExchange: '-10000' })),
    symbols: universe.futures.map(futuresSymbolInfo),
  };
}
