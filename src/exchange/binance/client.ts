import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type {
  AggTradeQuery,
  ServerTimeOffset,
  WeightedEndpoint,
  WeightParams,
} from '../../trading/exchange-client.ts';
import type {
  ExchangeClient,
  Kline,
  KlineQuery,
  MarketInfo,
  MarketType,
  OrderBook,
  RequestOptions,
  Ticker24h,
  TickerPrice,
  Trade,
  WeightSnapshot,
} from '../../trading/index.ts';
import type { AggTrade, BookTicker, PremiumIndex } from '../../trading/quotes.ts';
import { normalizeFuturesExchangeInfo, normalizeSpotExchangeInfo } from './exchange-info.ts';
import { parseAggTrades, parseBookTickers, parsePremiumIndex, parseServerTime } from './live-market-data.ts';
import {
  parse24hTickers,
  parseKlines,
  parseOrderBook,
  parseTickerPrices,
  parseTrades,
} from './market-data.ts';
import { checkAggTradeQuery, checkKlineQuery, checkLimit, checkMarket, checkSymbol } from './params.ts';
import { ServerClock } from './server-clock.ts';
import { BinanceTransport, type BodyParser, type QueryValue } from './transport.ts';
import { RequestWeightLedger } from './weight-ledger.ts';
import { requestWeight } from './weights.ts';

/** How to reach Binance and how hard to try. */
export interface BinanceClientOptions {
  /** Spot REST base, e.g. `https://api.binance.com` (`/api/v3/...` is appended). */
  readonly spotUrl: string;
  /** USDⓈ-M futures REST base, e.g. `https://fapi.binance.com` (`/fapi/v1/...` is appended). */
  readonly futuresUrl: string;
  /** Per-attempt timeout, body included. @default 10000 */
  readonly timeoutMs?: number;
  /** Retries after the first attempt, for network errors, timeouts and 5xx only. @default 3 */
  readonly maxRetries?: number;
  /** Full-jitter backoff base: attempt n waits up to base·2ⁿ ms. @default 200 */
  readonly retryBaseMs?: number;
  /** Longest single backoff wait. @default 5000 */
  readonly retryMaxMs?: number;
  readonly logger?: Logger;
  /** Counts `exchangeRequests{market,endpoint,outcome}` per call and sets `exchangeUsedWeight{market}`. */
  readonly metrics?: Metrics;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Clock for pauses and weight timestamps (tests inject one). @default Date.now */
  readonly now?: () => number;
}

/**
 * The Binance REST client (spot `/api/v3`, USDⓈ-M futures `/fapi/v1`), public market data only.
 * Every method validates its input before any request, and throws TradecacheError with an
 * EXCHANGE_* code (or ABORTED when the caller's signal fires).
 */
export class BinanceClient implements ExchangeClient {
  readonly #ledger: RequestWeightLedger;
  readonly #clock: ServerClock;
  readonly #transport: BinanceTransport;

  constructor(options: BinanceClientOptions) {
    const now = options.now ?? Date.now;
    this.#ledger = new RequestWeightLedger(now, options.metrics);
    this.#clock = new ServerClock(now);
    this.#transport = new BinanceTransport({
      baseUrls: { spot: options.spotUrl, futures: options.futuresUrl },
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetries: options.maxRetries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 200,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      // Looked up per client, not at import, so tests and proxies can swap the global.
      fetch: options.fetch ?? globalThis.fetch,
      now,
      ledger: this.#ledger,
      clock: this.#clock,
      logger: options.logger,
      metrics: options.metrics,
    });
  }

  #get<T>(
    market: MarketType,
    endpoint: string,
    query: Record<string, QueryValue>,
    parse: BodyParser<T>,
    options: RequestOptions | undefined,
  ): Promise<T> {
    return this.#transport.get({ market, endpoint }, query, parse, options?.signal);
  }

  async getMarkets(market: MarketType, options?: RequestOptions): Promise<MarketInfo[]> {
    checkMarket(market);
    const normalize = market === 'spot' ? normalizeSpotExchangeInfo : normalizeFuturesExchangeInfo;
    return this.#get(market, 'exchangeInfo', {}, normalize, options);
  }

  async getTickerPrices(
    market: MarketType,
    symbol?: string,
    options?: RequestOptions,
  ): Promise<TickerPrice[]> {
    checkMarket(market);
    if (symbol !== undefined) checkSymbol(symbol);
    return this.#get(market, 'ticker/price', { symbol }, parseTickerPrices, options);
  }

  async get24hTickers(market: MarketType, symbol?: string, options?: RequestOptions): Promise<Ticker24h[]> {
    checkMarket(market);
    if (symbol !== undefined) checkSymbol(symbol);
    return this.#get(market, 'ticker/24hr', { symbol }, parse24hTickers, options);
  }

  async getOrderBook(
    market: MarketType,
    symbol: string,
    limit?: number,
    options?: RequestOptions,
  ): Promise<OrderBook> {
    checkMarket(market);
    checkSymbol(symbol);
    checkLimit(market, 'depth', limit);
    return this.#get(market, 'depth', { symbol, limit }, parseOrderBook, options);
  }

  async getRecentTrades(
    market: MarketType,
    symbol: string,
    limit?: number,
    options?: RequestOptions,
  ): Promise<Trade[]> {
    checkMarket(market);
    checkSymbol(symbol);
    checkLimit(market, 'trades', limit);
    return this.#get(market, 'trades', { symbol, limit }, parseTrades, options);
  }

  async getKlines(market: MarketType, query: KlineQuery, options?: RequestOptions): Promise<Kline[]> {
    checkMarket(market);
    checkKlineQuery(market, query);
    const { symbol, interval, startTime, endTime, limit } = query;
    return this.#get(market, 'klines', { symbol, interval, startTime, endTime, limit }, parseKlines, options);
  }

  async getBookTickers(market: MarketType, symbol?: string, options?: RequestOptions): Promise<BookTicker[]> {
    checkMarket(market);
    if (symbol !== undefined) checkSymbol(symbol);
    return this.#get(market, 'ticker/bookTicker', { symbol }, parseBookTickers, options);
  }

  async getPremiumIndex(
    market: MarketType,
    symbol?: string,
    options?: RequestOptions,
  ): Promise<PremiumIndex[]> {
    checkMarket(market);
    if (market !== 'futures') {
      throw new TradecacheError(
        ErrorCodes.EXCHANGE_BAD_REQUEST,
        'premiumIndex (mark price and funding) exists only for futures, not spot',
        { context: { market, endpoint: 'premiumIndex' } },
      );
    }
    if (symbol !== undefined) checkSymbol(symbol);
    return this.#get(market, 'premiumIndex', { symbol }, parsePremiumIndex, options);
  }

  async getAggTrades(
    market: MarketType,
    query: AggTradeQuery,
    options?: RequestOptions,
  ): Promise<AggTrade[]> {
    checkMarket(market);
    checkAggTradeQuery(market, query);
    const { symbol, fromId, startTime, endTime, limit } = query;
    return this.#get(
      market,
      'aggTrades',
      { symbol, fromId, startTime, endTime, limit },
      parseAggTrades,
      options,
    );
  }

  async getServerTime(market: MarketType, options?: RequestOptions): Promise<number> {
    checkMarket(market);
    return this.#get(
      market,
      'time',
      {},
      (json, trip) => {
        const serverTime = parseServerTime(json);
        this.#clock.observeServerTime(market, serverTime, trip);
        return serverTime;
      },
      options,
    );
  }

  serverTimeOffset(market: MarketType): ServerTimeOffset | null {
    return this.#clock.offset(market);
  }

  serverNow(market: MarketType): number | null {
    return this.#clock.serverNow(market);
  }

  requestWeight(market: MarketType, endpoint: WeightedEndpoint, params?: WeightParams): number {
    checkMarket(market);
    return requestWeight(market, endpoint, params);
  }

  /** Last used weight Binance reported for a market, and the running 429/418 pause if any. */
  weight(market: MarketType): WeightSnapshot {
    return this.#ledger.snapshot(market);
  }
}

/** Builds a Binance client; nothing connects until the first call. */
export function createBinanceClient(options: BinanceClientOptions): BinanceClient {
  return new BinanceClient(options);
}
