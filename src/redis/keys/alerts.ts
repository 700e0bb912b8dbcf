/**
 * Keys of price alerts and notifications (durable user data: no TTL, never evicted).
 *
 * Hash tags: the matching script reads a symbol's target sets and alert records and appends to
 * that symbol's trigger outbox in one atomic step, so all of them carry the symbol's tag
 * `{alerts:<market>:<SYMBOL>}`; a user's own index, active set and notification list carry
 * `{<userId>}` (the user's slot, as in sessions) and are written after the trigger, from the
 * outbox. The indexes of symbols with alerts are touched alone (cleanup walks one, the feed's
 * check reads the other).
 */
import type { MarketType } from '../../trading/index.ts';
import { assertMarket, assertSymbol, assertUserId } from './validators.ts';

export type AlertSide = 'above' | 'below';

export function createAlertKeys(root: string) {
  const area = (market: MarketType, symbol: string) =>
    `${root}:alerts:{alerts:${assertMarket(market)}:${assertSymbol(symbol)}}`;
  return {
    /**
     * ZSET alertId → target price, per symbol and side: matching is a range query. `above` holds
     * alerts that fire at a price ≥ their target, `below` at a price ≤ it.
     */
    targets: (market: MarketType, symbol: string, side: AlertSide) => `${area(market, symbol)}:${side}`,
    /** HASH alertId → JSON record of every alert of the symbol (owner, target, condition, status, times). */
    records: (market: MarketType, symbol: string) => `${area(market, symbol)}:records`,
    /** ZSET alertId → expiry (epoch ms) of the symbol's alerts with a TTL, for cleanup. */
    expiring: (market: MarketType, symbol: string) => `${area(market, symbol)}:expiring`,
    /** HASH `price`, `time`: last price checked for the symbol (reference of a new `crosses`). */
    lastChecked: (market: MarketType, symbol: string) => `${area(market, symbol)}:last_checked`,
    /** STREAM of triggers not yet delivered to their users' notification lists. */
    outbox: (market: MarketType, symbol: string) => `${area(market, symbol)}:outbox`,
    /** SET of `<market>:<SYMBOL>` that ever had an alert (cleanup and outbox recovery walk it). */
    symbolsWithAlerts: `${root}:alerts:symbols`,
    /**
     * ZSET symbol → when it was last marked (Redis time, ms) of the market's symbols that may
     * hold active alerts: the feed checks only these. Cross-symbol, so touched in calls of its
     * own (see `market/alerts/checked-symbols.ts`).
     */
    checkedSymbols: (market: MarketType) => `${root}:alerts:checked_symbols:${assertMarket(market)}`,
    /** HASH alertId → `<market>:<symbol>` of one user's alerts (active, triggered, expired). */
    userAlerts: (userId: string) => `${root}:users:{${assertUserId(userId)}}:alerts`,
    /** ZSET alertId → expiry (ms, `+inf` without TTL) of the user's active alerts: the per-user cap. */
    activeAlerts: (userId: string) => `${root}:users:{${assertUserId(userId)}}:active_alerts`,
    /**
     * ZSET of the user's notifications (member: the notification's JSON, score: trigger time),
     * capped, read newest first. A ZSET rather than a LIST so a redelivery from the outbox
     * (ZADD of the same member) never duplicates one.
     */
    notifications: (userId: string) => `${root}:users:{${assertUserId(userId)}}:notifications`,
    /** Pub/sub channel of notifications, for WebSocket delivery in every process. */
    notificationsChannel: `${root}:alerts:notifications`,
  };
}

export type AlertKeys = ReturnType<typeof createAlertKeys>;
