/** The variables of the live market: its cache, the feed, price alerts and the WebSocket push. */
import type { EnvVariable } from './variables.ts';

export const MARKET_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'MARKET_REALTIME_TTL',
    default: '30',
    description:
      'Seconds a price, best bid/ask, order book, recent trade list or premium index lives in Redis after its last write.',
  },
  {
    name: 'MARKET_STATS_TTL',
    default: '300',
    description: 'Seconds the 24h statistics of a symbol live after their last write.',
  },
  { name: 'MARKET_INFO_TTL', default: '3600', description: 'Seconds cached symbol information lives.' },
  {
    name: 'MARKET_FRESH_MS',
    default: '10000',
    description: 'A price whose exchange time is at most this old is `fresh` in the market answers.',
  },
  { name: 'MARKET_TRADES_KEPT', default: '100', description: 'Recent trades kept per symbol.' },
  {
    name: 'ORDER_BOOK_DEPTH',
    default: '20',
    description: 'Order book levels kept per side (at least 20).',
  },
  {
    name: 'MARKET_RETENTION',
    default: 'ticks=24h,1m=7d,5m=30d,15m=30d,1h=365d,4h=365d,1d=365d',
    description:
      'How long the price series and each candle interval are kept (`part=<n><s|m|h|d>`, comma-separated; parts left out keep their default).',
  },
  {
    name: 'FEED_SOURCE',
    default: 'stream',
    description:
      "`stream`: the exchange's WebSocket streams feed the market cache, REST fills in while a stream is down; `rest`: REST polling only.",
  },
  {
    name: 'FEED_INTERVAL_MS',
    default: '2000',
    description:
      'How often REST fetches all-symbol prices and best bid/ask (and depth and trades of watched symbols while REST runs them).',
  },
  {
    name: 'FEED_STATS_INTERVAL_MS',
    default: '30000',
    description: 'How often REST fetches all-symbol 24h statistics.',
  },
  {
    name: 'FEED_WATCH_SYMBOLS',
    default: undefined,
    description:
      "Comma-separated symbols that get trades, order books and candles; unset: the first ten of each market's symbol list.",
  },
  {
    name: 'FEED_MARKETS',
    default: 'spot',
    description: 'Markets the feed runs for, comma-separated (`spot,futures`), or `none`.',
  },
  {
    name: 'FEED_LEASE_TTL_MS',
    default: '5000',
    description:
      "Leader lease of a market's feed (one worker per market runs it); renewed at a third of it, so a dead leader is replaced within about this long.",
  },
  {
    name: 'FEED_STREAM_LIVENESS_MS',
    default: '60000',
    description:
      'A stream connection that sends nothing (not even a ping) for this long is dropped and reconnected.',
  },
  {
    name: 'FEED_MAX_CLIENT_WATCHED',
    default: '100',
    description:
      "Most symbols WebSocket clients can add to a market's watched symbols (0..1000; the most recently subscribed win). Only symbols the exchange lists as TRADING are taken.",
  },
  {
    name: 'MAX_ALERTS_PER_USER',
    default: '200',
    description: 'Most active price alerts one user may have; one more is refused with 409.',
  },
  {
    name: 'NOTIFICATIONS_KEPT',
    default: '500',
    description: 'Alert notifications kept per user, newest first (older ones are dropped).',
  },
  {
    name: 'WS_MAX_BUFFERED_BYTES',
    default: '1048576',
    description: 'A WebSocket whose unsent bytes exceed this is closed as a slow consumer (code 1013).',
  },
  {
    name: 'WS_MESSAGES_PER_SECOND',
    default: '20',
    description:
      'Client messages per second one WebSocket may send (bursts of twice that); past it: `RATE_LIMITED` errors.',
  },
  {
    name: 'WS_SUBSCRIPTION_TTL',
    default: '60',
    description:
      "Seconds a WebSocket's subscriptions, and the symbols it makes the feed watch, stay in Redis without a heartbeat (a dead process's go after this).",
  },
  {
    name: 'WS_MAX_CHANNELS',
    default: '200',
    description: 'Most channels one WebSocket may subscribe to.',
  },
];
