import type { ServerTimeOffset } from '../../src/trading/exchange-client.ts';
import type {
  ExchangeClient,
  Kline,
  KlineQuery,
  MarketInfo,
  MarketType,
  OrderBook,
  Ticker24h,
  TickerPrice,
  Trade,
  WeightSnapshot,
} from '../../src/trading/index.ts';
import { alignDown, intervalMs } from '../../src/trading/index.ts';
import type { AggTrade, BookTicker, PremiumIndex } from '../../src/trading/quotes.ts';

/**
 * A deterministic in-process exchange for history tests (a stand-in for the exchange, never for
 * Redis): candles are a pure function of symbol and open time, like Binance it returns the
 * still-open candle too, and it records every klines call.
 */
export class HistoryFakeExchange implements ExchangeClient {
  readonly calls: { market: MarketType; query: KlineQuery }[] = [];
  weightSnapshot: WeightSnapshot = { usedWeight1m: 0, observedAt: null, pausedUntil: null };
  /** Milliseconds each getKlines call waits before answering (lets concurrent callers overlap). */
  latencyMs = 0;

  constructor(private readonly now: () => number) {}

  static candle(symbol: string, interval: KlineQuery['interval'], openTime: number): Kline {
    const step = intervalMs(interval);
    // A slow wave so SMA crossovers happen; 8 decimals like spot.
    const base = 100 + 10 * Math.sin(openTime / step / 50) + (symbol.length % 3);
    const open = base.toFixed(8);
    const close = (base + Math.cos(openTime / step) * 0.5).toFixed(8);
    return {
      openTime,
      open,
      high: (Math.max(base, Number(close)) + 0.25).toFixed(8),
      low: (Math.min(base, Number(close)) - 0.25).toFixed(8),
      close,
      volume: '12.50000000',
      closeTime: openTime + step - 1,
      quoteVolume: (12.5 * base).toFixed(8),
      trades: (openTime / step) % 97,
      takerBuyBaseVolume: '6.25000000',
      takerBuyQuoteVolume: (6.25 * base).toFixed(8),
      ignore: '0',
    };
  }

  async getKlines(market: MarketType, query: KlineQuery): Promise<Kline[]> {
    this.calls.push({ market, query });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const step = intervalMs(query.interval);
    const limit = query.limit ?? 500;
    const first = alignDown(query.interval, query.startTime ?? 0);
    const start = first < (query.startTime ?? 0) ? first + step : first;
    const end = Math.min(query.endTime ?? Number.MAX_SAFE_INTEGER, this.now());
    const out: Kline[] = [];
    for (let t = start; t <= end && out.length < limit; t += step) {
      out.push(HistoryFakeExchange.candle(query.symbol, query.interval, t));
    }
    return out;
  }

  weight(): WeightSnapshot {
    return this.weightSnapshot;
  }

  getMarkets(): Promise<MarketInfo[]> {
    throw new Error('not used by history tests');
  }
  getTickerPrices(): Promise<TickerPrice[]> {
    throw new Error('not used by history tests');
  }
  get24hTickers(): Promise<Ticker24h[]> {
    throw new Error('not used by history tests');
  }
  getOrderBook(): Promise<OrderBook> {
    throw new Error('not used by history tests');
  }
  getRecentTrades(): Promise<Trade[]> {
    throw new Error('not used by history tests');
  }
  getBookTickers(): Promise<BookTicker[]> {
    throw new Error('not used by history tests');
  }
  getPremiumIndex(): Promise<PremiumIndex[]> {
    throw new Error('not used by history tests');
  }
  getAggTrades(): Promise<AggTrade[]> {
    throw new Error('not used by history tests');
  }
  getServerTime(): Promise<number> {
    return Promise.resolve(this.now());
  }
  /** Its candles come from the same clock the tests inject, so the offset is exactly zero. */
  serverTimeOffset(): ServerTimeOffset {
    return { offsetMs: 0, uncertaintyMs: 0, source: 'server-time', observedAt: this.now() };
  }
  serverNow(): number {
    return this.now();
  }
  requestWeight(): number {
    return 0;
  }
}
