/**
 * The feed's write API. Writes are queued in memory and sent by `flush()` as ONE pipeline: per
 * symbol one `market-tick` script call (prices + their series + trades + changed candles, all
 * keys of the symbol's hash tag) and one `market-record` call per changed record, plus one ZADD
 * of the symbol index per flush. The feed splits its writes in two batches (see WriteQueue): a
 * price lane of `currentPrice` writes flushed every few ms, and a bulk lane of `seriesTick`,
 * trades, candles and records coalesced over a longer window. Every write is monotonic (see the scripts), so a flush that
 * failed half-way can be replayed as it is.
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
import type { RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import { queueScript } from '../../redis/scripts.ts';
import { SlotPipelines } from '../../redis/slot-pipelines.ts';
import type { MarketType } from '../../trading/index.ts';
import type { ResolvedLiveMarketOptions } from '../data/options.ts';
import { encodeRecord, encodeTrade } from '../data/record-codec.ts';
import type {
  BookTickerUpdate,
  OrderBookUpdate,
  PremiumIndexUpdate,
  RecentTrade,
  Stats24hUpdate,
  SymbolInfo,
  WriteOrder,
} from '../data/types.ts';
import { type Candle, type CandleInterval, type CandleOrder, encodeCandle } from '../prices/candle-codec.ts';
import { checkEncodedCandle } from './candle-check.ts';
import { emptyCounts, type FlushResult, type RecordKind, type WriteKind } from './kinds.ts';
import { PendingSymbol } from './pending.ts';
import { encodeBookTicker, encodeOrderBook, encodePremiumIndex, encodeStats24h } from './record-payloads.ts';
import type { SymbolKeyCache } from './symbol-keys.ts';
import { checkDecimal, checkInteger, checkIntegerOrNull, checkRank } from './validate.ts';

/** Most ticks, trades or candles of one symbol per script call (bounds its argument list). */
const MAX_PER_CALL = 2000;

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
   * The current price alone (no series point), one monotonic `market-record` call per symbol and
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
    for (const writes of this.pending.values()) dropped += writes.shedTicks();
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
    const id = checkInteger('trade id', trade.id);
    const element = encodeTrade(
      id,
      checkInteger('trade time', trade.time),
      checkDecimal('trade price', trade.price),
      checkDecimal('trade quantity', trade.quantity),
      trade.side === 'sell' ? 'sell' : 'buy',
    );
    this.symbol(symbol).addTrade(id, element);
    this.queued++;
    return this;
  }

  /** One candle (a new one or a changed one); see {@link CandleOrder} for which version wins. */
  candle(symbol: string, interval: CandleInterval, candle: Candle, order: CandleOrder): this {
    const rank = checkRank(order.lastTradeId);
    const field = this.deps.keys.candleField(interval, candle.openTime);
    // A copy, so a builder that updates its candle in place cannot change what was queued.
    // Encoding and the member checks wait for the flush: most versions of a candle are
    // superseded within the batch and never sent.
    this.symbol(symbol).addCandle(field, { rank, final: order.final === true, candle: { ...candle } });
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
   * have been written: queue the same writes again and flush (replays are ignored).
   */
  async flush(): Promise<FlushResult> {
    const pending = this.pending;
    this.pending = new Map();
    this.queued = 0;
    const counts = emptyCounts();
    if (pending.size === 0) return { written: 0, ignored: 0, byKind: counts, roundTrips: 0 };
    const { redis, options } = this.deps;
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
    }
    // One pipeline on one Redis; one per master on a Cluster (each symbol's keys share a slot).
    const pipelines = new SlotPipelines(redis);
    const replies: Array<
      { kind: 'tick'; setsPrice: boolean } | { kind: 'record'; record: RecordKind } | { kind: 'price' }
    > = [];
    const index: (string | number)[] = [];
    for (const [symbol, writes] of pending) {
      const keys = this.deps.symbolKeys.get(this.market, symbol);
      counts.candle.ignored += writes.coalescedCandles;
      counts.price.ignored += writes.coalescedPrices;
      if (writes.current) {
        queueScript(
          pipelines.on(keys.tick[0]),
          'market-record',
          [keys.tick[0]],
          [writes.current.seq, writes.current.value, options.realtimeTtlMs],
        );
        replies.push({ kind: 'price' });
      }
      for (const [kind, n] of Object.entries(writes.coalescedRecords))
        counts[kind as RecordKind].ignored += n;
      if (writes.ticks.length > 0 || writes.trades.length > 0 || writes.candles.size > 0) {
        const ticks = writes.sortedTicks();
        const trades = writes.sortedTrades();
        const candles = encoded.get(writes) ?? [];
        // Usually one call; a symbol with a huge backlog is split so no argument list explodes.
        for (let t = 0, r = 0, c = 0; t < ticks.length || r < trades.length || c < candles.length; ) {
          const args: (string | number)[] = [
            options.realtimeTtlMs,
            options.retentionMs.ticks,
            options.realtimeTtlMs,
            options.tradesKept,
            writes.ticksSetPrice ? 1 : 0,
          ];
          const tickEnd = Math.min(ticks.length, t + MAX_PER_CALL);
          args.push(tickEnd - t);
          for (; t < tickEnd; t++) args.push(ticks[t]!);
          const tradeEnd = Math.min(trades.length, r + MAX_PER_CALL);
          args.push(tradeEnd - r);
          for (; r < tradeEnd; r++) args.push(trades[r]!);
          const candleEnd = Math.min(candles.length, c + MAX_PER_CALL);
          args.push(candleEnd - c);
          for (; c < candleEnd; c++) {
            const [field, value] = candles[c]!;
            args.push(field, value);
          }
          queueScript(pipelines.on(keys.tick[0]), 'market-tick', keys.tick, args);
          replies.push({ kind: 'tick', setsPrice: writes.ticksSetPrice });
        }
        if (writes.maxTickTime >= 0) index.push(writes.maxTickTime, symbol);
      }
      for (const [kind, record] of writes.records) {
        queueScript(
          pipelines.on(keys.records[kind]),
          'market-record',
          [keys.records[kind]],
          [record.seq, record.value, this.ttlOf(kind)],
        );
        replies.push({ kind: 'record', record: kind });
      }
    }
    // GT: an older write never moves a symbol's index time back (its own price stays put too).
    const indexKey = this.deps.keys.symbolsWithData(this.market);
    if (index.length > 0) pipelines.on(indexKey).zadd(indexKey, 'GT', ...index);
    const roundTrips = pipelines.size;
    const results = await pipelines.exec();
    for (let i = 0; i < replies.length; i++) {
      const [err, value] = results[i] ?? [new Error('missing pipeline reply'), null];
      if (err) throw redisFailure(err);
      const reply = replies[i]!;
      if (reply.kind === 'record') {
        add(counts, reply.record, value === 1);
      } else if (reply.kind === 'price') {
        add(counts, 'price', value === 1);
      } else {
        const v = value as number[];
        // Each tick is counted once: as a price when it may set one, else as a series point.
        if (reply.setsPrice) {
          counts.price.written += v[0] ?? 0;
          counts.price.ignored += v[1] ?? 0;
        } else {
          counts.series.written += v[6] ?? 0;
          counts.series.ignored += v[7] ?? 0;
        }
        counts.trade.written += v[2] ?? 0;
        counts.trade.ignored += v[3] ?? 0;
        counts.candle.written += v[4] ?? 0;
        counts.candle.ignored += v[5] ?? 0;
      }
    }
    const indexReply = results[replies.length];
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

  private ttlOf(kind: RecordKind): number {
    const { options } = this.deps;
    if (kind === 'stats24h') return options.statsTtlMs;
    if (kind === 'symbolInfo') return options.infoTtlMs;
    return options.realtimeTtlMs;
  }
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
