/** The live market feed: streams first, REST as fallback, one leader per market. */
export { CandleReconciler, candleDifferences } from './candle-reconciler.ts';
export { type FeedMetrics, feedMetrics } from './feed-metrics.ts';
export { LeaderLease } from './leader-lease.ts';
export { MarketFeed, type MarketFeedOptions } from './market-feed.ts';
export { DEFAULT_WATCHED, MarketFeeds, type MarketFeedsDeps } from './market-feeds.ts';
export { writeRestPrices } from './rest-feed.ts';
export { WEIGHT_LIMIT_PER_MINUTE, WeightBudget } from './weight-budget.ts';
export { WriteQueue } from './write-queue.ts';
