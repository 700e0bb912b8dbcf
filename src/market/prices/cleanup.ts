/**
 * `cleanupOldData`: drops ticks and candles past their retention (ticks 24 h, 1m 7 d, 5m/15m
 * 30 d, 1h and up 1 year by default) for every symbol of a market that has a series or candles,
 * found by SCAN (never KEYS). Each symbol's removal is one script call in its hash slot, bounded
 * per call and repeated while there is more, so a long backlog never blocks Redis.
 */
import { type RedisClient, scanBatches } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import { queueScript, scriptPipeline } from '../../redis/scripts.ts';
import type { MarketType } from '../../trading/index.ts';
import type { ResolvedLiveMarketOptions } from '../data/options.ts';
import { CANDLE_INTERVALS, type CandleInterval } from './candle-codec.ts';

/** What one cleanup removed. */
export interface CleanupResult {
  /** Symbols looked at. */
  readonly symbols: number;
  readonly ticks: number;
  readonly candles: Readonly<Record<CandleInterval, number>>;
  /** Symbols dropped from the index of priced symbols (no price for longer than the tick retention). */
  readonly indexEntries: number;
}

/** Entries removed per part per script call. */
const CHUNK = 5000;
/** Symbols per pipeline. */
const SYMBOLS_PER_ROUND = 100;

export async function cleanupMarket(
  redis: RedisClient,
  keys: MarketKeys,
  options: ResolvedLiveMarketOptions,
  market: MarketType,
  now: number,
): Promise<CleanupResult> {
  const symbols = await symbolsWithHistory(redis, keys, market);
  const candles = Object.fromEntries(CANDLE_INTERVALS.map((i) => [i, 0])) as Record<CandleInterval, number>;
  let ticks = 0;
  const args: (string | number)[] = [now - options.retentionMs.ticks, CHUNK];
  for (const interval of CANDLE_INTERVALS) {
    args.push(interval, keys.candleField(interval, Math.max(0, now - options.retentionMs[interval])));
  }
  let todo = symbols;
  while (todo.length > 0) {
    const again: string[] = [];
    for (let start = 0; start < todo.length; start += SYMBOLS_PER_ROUND) {
      const round = todo.slice(start, start + SYMBOLS_PER_ROUND);
      const pipeline = scriptPipeline(redis);
      for (const symbol of round) {
        queueScript(
          pipeline,
          'market-cleanup',
          [keys.ticks(market, symbol), keys.candles(market, symbol), keys.candleIndex(market, symbol)],
          args,
        );
      }
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([err, value], i) => {
        if (err) throw err;
        const removed = value as number[];
        ticks += removed[0] ?? 0;
        CANDLE_INTERVALS.forEach((interval, j) => {
          candles[interval] += removed[j + 1] ?? 0;
        });
        if (removed.some((n) => n >= CHUNK)) again.push(round[i]!);
      });
    }
    todo = again;
  }
  const indexEntries = await redis.zremrangebyscore(
    keys.symbolsWithData(market),
    '-inf',
    `(${now - options.retentionMs.ticks}`,
  );
  return { symbols: symbols.length, ticks, candles, indexEntries };
}

async function symbolsWithHistory(
  redis: RedisClient,
  keys: MarketKeys,
  market: MarketType,
): Promise<string[]> {
  const found = new Set<string>();
  const pattern = keys.symbolAreaPattern(market);
  // Every master of a Cluster: each symbol's keys live on the one owning its hash tag.
  for await (const batch of scanBatches(redis, pattern, 1000)) {
    for (const key of batch) {
      const symbol = keys.symbolOfAreaKey(market, key);
      if (symbol && (key.endsWith(':ticks') || key.endsWith(':candle_index'))) found.add(symbol);
    }
  }
  return [...found].sort();
}
