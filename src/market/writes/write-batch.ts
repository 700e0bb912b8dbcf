/**
 * The feed's write API. Writes are queued in memory and sent by `flush()` as ONE pipeline of a
 * few `market-batch` script calls, each carrying many symbols (prices + their series + trades +
 * changed candles + records; on a Cluster one call per hash slot, see batch-calls.ts), plus one
 * ZADD of the symbol index per flush. The feed splits its writes in two batches (see
 * WriteQueue): a price lane of `currentPrice` writes flushed every few ms, and a bulk lane of
 * `seriesTick`, trades, candles and records coalesced over a longer window. Every write is
 * monotonic (see the script), so a flush that failed half-way can be replayed as it is.
 *
 * ```ts
 * const batch = live.batch('spot');
 * batch.price('BTCUSDT', '60650.00000000', event.E);
 * batch.trade('BTCUSDT', { id: t.a, price: t.p, quantity: t.q, side: t.m ? 'sell' : 'buy', time: t.T });
 * batch.candle('BTCUSDT', '1m', candle, { lastTradeId: t.l });
 * const { written, ignored } = await batch.flush();
 * ```
 */

import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { isCluster, type RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import type { MarketType } from '../../trading/index.ts';
import type { ResolvedLiveMarketOptions } from '../data/options.ts';
import { encodeRecord } from '../data/record-codec.ts';
import type {
  BookTickerUpdate,
  OrderBookUpdate,
  PremiumIndexUpdate,
  RecentTrade,
  Stats24hUpdate,
  SymbolInfo,
  WriteOrder,
} from '../data/types.ts';
import {
  type Candle,
  type CandleInterval,
  type CandleOrder,
  encodeCandle,
  storedMembers,
} from '../prices/candle-codec.ts';
import { type BatchLimits, batchCalls, type SymbolWrites } from './batch-calls.ts';
import { checkEncodedCandle } from './candle-check.ts';
import { emptyCounts, type FlushResult, type RecordKind, type WriteKind } from './kinds.ts';
import { PendingSymbol } from './pending.ts';
import { encodeBookTicker, encodeOrderBook, encodePremiumIndex, encodeStats24h } from './record-payloads.ts';
import { sendCalls } from './send-calls.ts';
import type { SymbolKeyCache } from './symbol-keys.ts';
import type { TurnBudget } from './turns.ts';
import { checkDecimal, checkInteger, checkIntegerOrNull, checkRank } from './validate.ts';

export interface WriteBatchDeps {
  readonly redis: RedisClient;
  readonly keys: MarketKeys;
  readonly symbolKeys: SymbolKeyCache;
  readonly options: ResolvedLiveMarketOptions;
}

export class MarketWriteBatch {
  private pending = new Map<string, PendingSymbol>();
  private queued = 0;

  constructor(
    private readonly deps: WriteBatchDeps,
    /** The market every write of this batch belongs to. */
    readonly market: MarketType,
  ) {}

  /** Writes queued since the last flush. */
  get size(): number {
    return this.queued;
  }

  /** What is queued per symbol, read (never changed) by `digestOf` before a flush. */
  queuedSymbols(): ReadonlyMap<string, PendingSymbol> {
    return this.pending;
  }

  /**
   * The current price at exchange time `time`; `seq` orders it (default `time`: event time `E`,
   * or the exchange's server time for a REST answer). A newer price also joins the series.
   */
  price(symbol: string, price: string, time: number, seq: number = time): this {
    return this.tick(symbol, price, time, seq, true);
  }

  /**
   * A price for the time series only: the feed's price lane writes the current price itself
   * ({@link currentPrice}), so the bulk lane's copy of the tick must not set it again.
   */
  seriesTick(symbol: string, price: string, time: number, seq: number = time): this {
    return this.tick(symbol, price, time, seq, false);
  }

  /**
   * The current price alone (no series point), one monotonic record per symbol and
   * flush: the latency-critical write, kept apart from the bulk of the feed's writes.
   */
  currentPrice(symbol: string, price: string, time: number, seq: number = time): this {
    checkDecimal('price', price);
    checkInteger('time', time);
    const order = checkInteger('seq', seq);
    this.symbol(symbol).setCurrent({ seq: order, value: `${order}|${time}|${price}` });
    this.queued++;
    return this;
  }

  /**
   * Under overload (the bulk lane cannot keep up), drops the oldest half of every symbol's queued
   * series points; returns how many went. The current price, trades and candles stay.
   */
  shedSeries(): number {
    let dropped = 0;
    for (const writes of this.pending.values()) dropped += writes.ticks.shedOldestHalf();
    this.queued -= dropped;
    return dropped;
  }

  private tick(symbol: string, price: string, time: number, seq: number, setsPrice: boolean): this {
    checkDecimal('price', price);
    checkInteger('time', time);
    this.symbol(symbol).addTick(checkInteger('seq', seq), time, price, setsPrice);
    this.queued++;
    return this;
  }

  /** A trade for the recent-trades list (newest first, ordered by trade id). */
  trade(symbol: string, trade: RecentTrade): this {
    this.symbol(symbol).trades.add({
      id: checkInteger('trade id', trade.id),
      time: checkInteger('trade time', trade.time),
      price: checkDecimal('trade price', trade.price),
      quantity: checkDecimal('trade quantity', trade.quantity),
      side: trade.side === 'sell' ? 'sell' : 'buy',
    });
    this.queued++;
    return this;
  }

  /** One candle (a new one or a changed one); see {@link CandleOrder} for which version wins. */
  candle(symbol: string, interval: CandleInterval, candle: Candle, order: CandleOrder): this {
    const rank = checkRank(order.lastTradeId);
    const field = this.deps.keys.candleField(interval, candle.openTime);
    // A copy of the stored members only, so a builder that updates its candle in place cannot
    // change what was queued, and what is announced is what is stored (the ohlcv route's shape).
    // Encoding and the member checks wait for the flush: most versions of a candle are
    // superseded within the batch and never sent.
    const queued = { rank, final: order.final === true, candle: storedMembers(candle) };
    this.symbol(symbol).addCandle(field, queued);
    this.queued++;
    return this;
  }

  /** Best bid/ask. */
  bookTicker(symbol: string, update: BookTickerUpdate, order: WriteOrder): this {
    return this.record(symbol, 'bookTicker', order, encodeBookTicker(update));
  }

  /** The top of the order book (kept to `orderBookDepth` levels), ordered by its lastUpdateId. */
  orderBook(symbol: string, book: OrderBookUpdate, time: number | null = null): this {
    const seq = checkInteger('lastUpdateId', book.lastUpdateId);
    return this.record(
      symbol,
      'orderBook',
      { seq, time },
      encodeOrderBook(book, this.deps.options.orderBookDepth),
    );
  }

  /** The exchange's 24h statistics, as sent. */
  stats24h(symbol: string, stats: Stats24hUpdate, order: WriteOrder): this {
    return this.record(symbol, 'stats24h', order, encodeStats24h(stats));
  }

  /** Futures mark price and funding rate. */
  premiumIndex(symbol: string, update: PremiumIndexUpdate, order: WriteOrder): this {
    if (this.market !== 'futures') {
      throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'premium index exists on futures only');
    }
    return this.record(symbol, 'premiumIndex', order, encodePremiumIndex(update));
  }

  /** Symbol information (exchangeInfo), ordered by the exchange's server time. */
  symbolInfo(symbol: string, info: SymbolInfo, order: WriteOrder): this {
    return this.record(symbol, 'symbolInfo', order, JSON.stringify(info));
  }

  /**
   * Sends everything queued in one pipeline and empties the batch. When it throws, any part may
   * have been written: queue the same writes again and flush (replays are ignored). With `turns`,
   * the encoding and sending pause whenever the turn is spent (see send-calls.ts): the bulk lane's
   * flush of a whole market, which would otherwise hold the event loop for tens of ms.
   */
  async flush(turns?: TurnBudget): Promise<FlushResult> {
    const pending = this.pending;
    this.pending = new Map();
    this.queued = 0;
    const counts = emptyCounts();
    if (pending.size === 0) return { written: 0, ignored: 0, byKind: counts, roundTrips: 0 };
    const { redis } = this.deps;
    // Every queued candle is checked before anything is sent: a bad one fails the whole flush
    // and changes nothing.
    const encoded = new Map<PendingSymbol, [string, string][]>();
    for (const writes of pending.values()) {
      const list: [string, string][] = [];
      for (const [field, c] of writes.candles) {
        const value = encodeCandle(c.candle, { lastTradeId: c.rank, final: c.final });
        checkEncodedCandle(c.candle, value);
        list.push([field, value]);
      }
      encoded.set(writes, list);
      if (turns?.spent) await turns.next();
    }
    const symbols: SymbolWrites[] = [];
    const index: (string | number)[] = [];
    for (const [symbol, writes] of pending) {
      counts.candle.ignored += writes.coalescedCandles;
      counts.price.ignored += writes.coalescedPrices;
      for (const [kind, n] of Object.entries(writes.coalescedRecords))
        counts[kind as RecordKind].ignored += n;
      symbols.push({
        keys: this.deps.symbolKeys.get(this.market, symbol),
        writes,
        candles: encoded.get(writes) ?? [],
      });
      if (writes.ticks.maxTime >= 0) index.push(writes.ticks.maxTime, symbol);
    }
    const calls = batchCalls(symbols, this.limits(), isCluster(redis));
    const indexKey = this.deps.keys.symbolsWithData(this.market);
    const { replies: results, roundTrips } = await sendCalls(
      redis,
      calls,
      index.length > 0 ? { key: indexKey, args: index } : null,
      turns,
    );
    for (let i = 0; i < calls.length; i++) {
      const [err, value] = results[i] ?? [new Error('missing pipeline reply'), null];
      if (err) throw redisFailure(err);
      countReply(counts, calls[i]!.records, value as BatchReply);
    }
    const indexReply = results[calls.length];
    if (indexReply?.[0]) throw redisFailure(indexReply[0]);
    let written = 0;
    let ignored = 0;
    for (const c of Object.values(counts)) {
      written += c.written;
      ignored += c.ignored;
    }
    return { written, ignored, byKind: counts, roundTrips };
  }

  private record(symbol: string, kind: RecordKind, order: WriteOrder, payload: string): this {
    const seq = checkInteger('seq', order.seq);
    const time = checkIntegerOrNull('time', order.time);
    this.symbol(symbol).addRecord(kind, { seq, value: encodeRecord(seq, time, payload) });
    this.queued++;
    return this;
  }

  private symbol(symbol: string): PendingSymbol {
    let writes = this.pending.get(symbol);
    if (!writes) {
      // Validates the symbol once per batch (the key builders refuse anything else).
      this.deps.symbolKeys.get(this.market, symbol);
      writes = new PendingSymbol();
      this.pending.set(symbol, writes);
    }
    return writes;
  }

  private limits(): BatchLimits {
    const { options } = this.deps;
    return {
      priceTtlMs: options.realtimeTtlMs,
      seriesTtlMs: options.retentionMs.ticks,
      tradesTtlMs: options.realtimeTtlMs,
      tradesKept: options.tradesKept,
      ttlOf: (kind) =>
        kind === 'stats24h'
          ? options.statsTtlMs
          : kind === 'symbolInfo'
            ? options.infoTtlMs
            : options.realtimeTtlMs,
    };
  }
}

/** `market-batch`'s reply: eight counts, then one '1' (written) or '0' per record. */
type BatchReply = [number, number, number, number, number, number, number, number, string];

function countReply(
  counts: Record<WriteKind, { written: number; ignored: number }>,
  records: readonly (RecordKind | 'price')[],
  reply: BatchReply,
): void {
  counts.price.written += reply[0];
  counts.price.ignored += reply[1];
  counts.series.written += reply[2];
  counts.series.ignored += reply[3];
  counts.trade.written += reply[4];
  counts.trade.ignored += reply[5];
  counts.candle.written += reply[6];
  counts.candle.ignored += reply[7];
  const outcomes = reply[8];
  for (let i = 0; i < records.length; i++) add(counts, records[i]!, outcomes[i] === '1');
}

function add(
  counts: Record<WriteKind, { written: number; ignored: number }>,
  kind: WriteKind,
  written: boolean,
) {
  if (written) counts[kind].written++;
  else counts[kind].ignored++;
}

function redisFailure(err: Error): TradecacheError {
  return new TradecacheError(ErrorCodes.REDIS_UNAVAILABLE, `market write failed: ${err.message}`, {
    cause: err,
  });
}
