/**
 * Checks each closed candle of a watched symbol once against the exchange's own kline, a few
 * seconds after it closed (when the exchange has it final). The exchange wins: its kline is
 * written as the final version of the candle, and how ours differed is counted in /metrics.
 */
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { ExchangeClient, Kline, MarketType } from '../../trading/index.ts';
import type { Candle } from '../candles/index.ts';
import { decimalsEqual } from '../decimal/index.ts';
import type { FeedMetrics } from './feed-metrics.ts';
import type { WeightBudget } from './weight-budget.ts';
import type { WriteQueue } from './write-queue.ts';

export interface CandleReconcilerDeps {
  readonly market: MarketType;
  readonly exchange: ExchangeClient;
  readonly queue: WriteQueue;
  readonly metrics: FeedMetrics;
  readonly logger: Logger;
  readonly budget: WeightBudget;
  /** Wait after the close before asking. @default 3000 */
  readonly delayMs?: number;
}

const DECIMAL_FIELDS = ['open', 'high', 'low', 'close', 'volume', 'quoteVolume'] as const;

/** The fields of `ours` that differ from the exchange's kline (decimals compared by value). */
export function candleDifferences(ours: Candle, kline: Kline): string[] {
  const diff: string[] = DECIMAL_FIELDS.filter((f) => !decimalsEqual(ours[f], kline[f]));
  if (ours.trades !== kline.trades) diff.push('trades');
  return diff;
}

export class CandleReconciler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: CandleReconcilerDeps) {}

  /** Schedules one check of `candle` (closed) for a few seconds after its close. */
  schedule(symbol: string, candle: Candle): void {
    if (this.closed) return;
    const { exchange, market } = this.deps;
    const now = exchange.serverNow(market) ?? Date.now();
    const wait = Math.max(0, candle.closeTime + 1 + (this.deps.delayMs ?? 3000) - now);
    const timer: NodeJS.Timeout = setTimeout(() => {
      this.timers.delete(timer);
      const p = this.check(symbol, candle).finally(() => this.running.delete(p));
      this.running.add(p);
    }, wait);
    timer.unref?.();
    this.timers.add(timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.running]);
  }

  /** Fetches the exchange's kline of `candle` and writes it as final. */
  async check(symbol: string, candle: Candle): Promise<void> {
    const { market, exchange, metrics, logger, queue, budget } = this.deps;
    const interval = candle.interval;
    if (!budget.take('klines', 'klines', { symbol, limit: 1 })) {
      metrics.reconcile.inc({ market, interval, result: 'skipped' });
      return;
    }
    let kline: Kline | undefined;
    try {
      const rows = await exchange.getKlines(market, {
        symbol,
        interval,
        startTime: candle.openTime,
        endTime: candle.openTime,
        limit: 1,
      });
      kline = rows.find((k) => k.openTime === candle.openTime);
    } catch (err) {
      metrics.reconcile.inc({ market, interval, result: 'failed' });
      logger.warn({ market, symbol, interval, err: errorMessage(err) }, 'candle reconciliation failed');
      return;
    }
    if (!kline || this.closed) {
      metrics.reconcile.inc({ market, interval, result: kline ? 'skipped' : 'missing' });
      return;
    }
    const diff = candleDifferences(candle, kline);
    metrics.reconcile.inc({ market, interval, result: diff.length === 0 ? 'match' : 'differ' });
    for (const field of diff) metrics.reconcileFields.inc({ market, field });
    const k = kline;
    queue.add((b) =>
      b.candle(
        symbol,
        interval,
        {
          openTime: k.openTime,
          closeTime: k.closeTime,
          open: k.open,
          high: k.high,
          low: k.low,
          close: k.close,
          volume: k.volume,
          quoteVolume: k.quoteVolume,
          trades: k.trades,
          closed: true,
        },
        { lastTradeId: candle.lastTradeId, final: true },
      ),
    );
  }
}
