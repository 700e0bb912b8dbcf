/**
 * Keys of live market data (prices, books, trades, 24h statistics, candles) and of the feed.
 *
 * Hash tags: every key of one symbol carries `{<market>:<SYMBOL>}`, so one tick (price, its time
 * series and six candle intervals) is one MULTI or one script call in one Cluster slot. The index
 * of symbols with data and the feed lease are touched alone.
 */
import { isSymbol, type KlineInterval, type MarketType } from '../../trading/index.ts';
import { assertInterval, assertMarket, assertSymbol } from './validators.ts';

export function createMarketKeys(root: string) {
  const area = (market: MarketType, symbol: string) =>
    `${root}:market:{${assertMarket(market)}:${assertSymbol(symbol)}}`;
  return {
    /** The hash tag of a symbol: every key below shares it. */
    tag: (market: MarketType, symbol: string) => `{${assertMarket(market)}:${assertSymbol(symbol)}}`,
    /** Current price with its exchange time and ordering. */
    price: (market: MarketType, symbol: string) => `${area(market, symbol)}:price`,
    /** Best bid/ask (bookTicker). */
    bookTicker: (market: MarketType, symbol: string) => `${area(market, symbol)}:book_ticker`,
    /** Top levels of the local order book, with its lastUpdateId. */
    orderBook: (market: MarketType, symbol: string) => `${area(market, symbol)}:order_book`,
    /** Capped list of recent trades, newest first. */
    trades: (market: MarketType, symbol: string) => `${area(market, symbol)}:trades`,
    /** The exchange's 24h statistics as sent. */
    stats24h: (market: MarketType, symbol: string) => `${area(market, symbol)}:stats_24h`,
    /** Exchange info of the symbol. */
    info: (market: MarketType, symbol: string) => `${area(market, symbol)}:info`,
    /** Futures: mark price and funding rate (premiumIndex). */
    premiumIndex: (market: MarketType, symbol: string) => `${area(market, symbol)}:premium_index`,
    /** Price time series (ZSET by exchange time). */
    ticks: (market: MarketType, symbol: string) => `${area(market, symbol)}:ticks`,
    /**
     * Exchange time of the newest stream point in the price series: later stream points join the
     * series after it, whatever REST points came between (see `market-batch`).
     */
    seriesMark: (market: MarketType, symbol: string) => `${area(market, symbol)}:series_mark`,
    /**
     * OHLCV candles of every interval: HASH of `<interval>:<open time, 15 digits>` → candle, so one
     * tick updates all six intervals in one key and reads are one HMGET.
     */
    candles: (market: MarketType, symbol: string) => `${area(market, symbol)}:candles`,
    /**
     * The candle fields in open-time order: ZSET, every score 0, members the HASH's fields, so a
     * range of one interval is one ZRANGEBYLEX (O(log N + k)).
     */
    candleIndex: (market: MarketType, symbol: string) => `${area(market, symbol)}:candle_index`,
    /** Candle field of one interval and open time (the HASH field and ZSET member above). */
    candleField: (interval: KlineInterval, openTime: number) =>
      `${assertInterval(interval)}:${String(openTime).padStart(15, '0')}`,
    /** ZSET of the symbols of a market with a price, scored by that price's exchange time. */
    symbolsWithData: (market: MarketType) => `${root}:market:${assertMarket(market)}:symbols`,
    /** SCAN pattern of every per-symbol key of a market (for maintenance; SCAN only, never KEYS). */
    symbolAreaPattern: (market: MarketType) => `${root}:market:{${assertMarket(market)}:*}:*`,
    /** The symbol of a key matched by `symbolAreaPattern`, or null when it is not one of ours. */
    symbolOfAreaKey: (market: MarketType, key: string): string | null => {
      const head = `${root}:market:{${assertMarket(market)}:`;
      if (!key.startsWith(head)) return null;
      const symbol = key.slice(head.length, key.indexOf('}', head.length));
      return isSymbol(symbol) ? symbol : null;
    },
    /** Lease electing the one worker that runs a market's feed. */
    feedLease: (market: MarketType) => `${root}:market:${assertMarket(market)}:feed_lease`,
    /**
     * ZSET symbol → last time (ms) a WebSocket client of any process was subscribed to one of its
     * channels: the symbols clients watch, which the feed leader watches too. Cache data: every
     * API process re-adds its symbols on its heartbeat, members older than the subscription TTL
     * no longer count (and the cleanup deletes them), and the key itself expires with them.
     */
    clientWatched: (market: MarketType) => `${root}:market:${assertMarket(market)}:client_watched`,
    /** Pub/sub channel telling the feed leader a symbol just got its first client (sync now). */
    clientWatchChannel: (market: MarketType) => `${root}:market:${assertMarket(market)}:client_watch`,
    /** Pub/sub channel of market updates, for WebSocket fan-out in every process. */
    updatesChannel: (market: MarketType) => `${root}:market:${assertMarket(market)}:updates`,
  };
}

export type MarketKeys = ReturnType<typeof createMarketKeys>;
