/**
 * The feed's Prometheus metrics, registered once per registry (tests build several feeds, and
 * apps, in one process; each app has its own registry).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FlushResult } from '../writes/index.ts';

export class FeedMetrics {
  readonly messages: Counter<'market' | 'kind'>;
  readonly reconnects: Counter<'market'>;
  readonly streamUp: Gauge<'market'>;
  readonly leader: Gauge<'market'>;
  readonly lagSeconds: Gauge<'market'>;
  readonly writes: Counter<'market' | 'kind' | 'result'>;
  readonly flushFailures: Counter<'market'>;
  readonly dropped: Counter<'market' | 'kind'>;
  readonly restCalls: Counter<'market' | 'task' | 'outcome'>;
  readonly bookResyncs: Counter<'market' | 'reason'>;
  readonly reconcile: Counter<'market' | 'interval' | 'result'>;
  readonly reconcileFields: Counter<'market' | 'field'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.messages = new Counter({
      name: 'tradecache_feed_messages_total',
      help: 'Stream messages handled by the feed, by market and kind',
      labelNames: ['market', 'kind'],
      registers,
    });
    this.reconnects = new Counter({
      name: 'tradecache_feed_stream_reconnects_total',
      help: 'Times a stream connection of the feed was lost and is being re-established',
      labelNames: ['market'],
      registers,
    });
    this.streamUp = new Gauge({
      name: 'tradecache_feed_stream_up',
      help: '1 while every stream connection of the market is connected, else 0 (REST fills in)',
      labelNames: ['market'],
      registers,
    });
    this.leader = new Gauge({
      name: 'tradecache_feed_leader',
      help: '1 while this process holds the feed lease of the market',
      labelNames: ['market'],
      registers,
    });
    this.lagSeconds = new Gauge({
      name: 'tradecache_feed_lag_seconds',
      help: 'Our clock minus the event time of the latest price message (includes clock skew)',
      labelNames: ['market'],
      registers,
    });
    this.writes = new Counter({
      name: 'tradecache_feed_writes_total',
      help: 'Feed writes by kind: written, or ignored as older than (or equal to) what Redis holds',
      labelNames: ['market', 'kind', 'result'],
      registers,
    });
    this.flushFailures = new Counter({
      name: 'tradecache_feed_flush_failures_total',
      help: 'Write batches that failed (Redis unavailable); their writes are dropped',
      labelNames: ['market'],
      registers,
    });
    this.dropped = new Counter({
      name: 'tradecache_feed_dropped_total',
      help: 'Queued feed writes dropped because the write queue was full (oldest series points first)',
      labelNames: ['market', 'kind'],
      registers,
    });
    this.restCalls = new Counter({
      name: 'tradecache_feed_rest_calls_total',
      help: 'REST calls of the feed by task: ok, failed, or skipped (not enough request weight left)',
      labelNames: ['market', 'task', 'outcome'],
      registers,
    });
    this.bookResyncs = new Counter({
      name: 'tradecache_feed_book_resyncs_total',
      help: 'Local order books dropped and refetched, by reason',
      labelNames: ['market', 'reason'],
      registers,
    });
    this.reconcile = new Counter({
      name: 'tradecache_candle_reconcile_total',
      help: 'Closed candles checked against the exchange klines: match, differ (the exchange wins), missing, failed',
      labelNames: ['market', 'interval', 'result'],
      registers,
    });
    this.reconcileFields = new Counter({
      name: 'tradecache_candle_reconcile_field_differences_total',
      help: 'Fields of candles built from trades that differed from the exchange kline',
      labelNames: ['market', 'field'],
      registers,
    });
  }

  /** Counts what a flush wrote and ignored. */
  countFlush(market: string, result: FlushResult): void {
    for (const [kind, c] of Object.entries(result.byKind)) {
      if (c.written > 0) this.writes.inc({ market, kind, result: 'written' }, c.written);
      if (c.ignored > 0) this.writes.inc({ market, kind, result: 'ignored' }, c.ignored);
    }
  }
}

const byRegistry = new WeakMap<Registry, FeedMetrics>();

/** The feed metrics of a registry, created on first use. */
export function feedMetrics(registry: Registry): FeedMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = new FeedMetrics(registry);
    byRegistry.set(registry, m);
  }
  return m;
}
