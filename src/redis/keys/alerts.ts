/**
 * Keys of price alerts and notifications (durable user data: no TTL, never evicted).
 *
 * Hash tags: the matching script reads a symbol's target sets and alert records and appends to
 * that symbol's trigger outbox in one atomic step, so all of them carry the symbol's tag
 * `{alerts:<market>:<SYMBOL>}`; a user's own index and notification list carry `{<userId>}`
 * (the user's slot, as in sessions) and are written after the trigger, from the outbox.
 */
import type { MarketType } from '../../market/vocabulary/index.ts';
import { assertKeyPart, assertMarket, assertSymbol, assertUserId } from './validators.ts';

export type AlertSide = 'above' | 'below';

export function createAlertKeys(root: string) {
  const area = (market: MarketType, symbol: string) =>
    `${root}:alerts:{alerts:${assertMarket(market)}:${assertSymbol(symbol)}}`;
  return {
    /** ZSET alertId → target price, per symbol and side: matching is a range query. */
    targets: (market: MarketType, symbol: string, side: AlertSide) => `${area(market, symbol)}:${side}`,
    /** HASH of one alert (owner, target, condition, status, times). */
    alert: (market: MarketType, symbol: string, alertId: string) =>
      `${area(market, symbol)}:alert:${assertKeyPart(alertId, 'alert id')}`,
    /** Last price checked for the symbol (the "previous" of a cross). */
    lastChecked: (market: MarketType, symbol: string) => `${area(market, symbol)}:last_checked`,
    /** Stream of triggers, fanned out to users' notification lists. */
    outbox: (market: MarketType, symbol: string) => `${area(market, symbol)}:outbox`,
    /** HASH alertId → `<market>:<symbol>` of one user's alerts. */
    userAlerts: (userId: string) => `${root}:users:{${assertUserId(userId)}}:alerts`,
    /** Capped list of the user's notifications, newest first. */
    notifications: (userId: string) => `${root}:users:{${assertUserId(userId)}}:notifications`,
    /** Pub/sub channel of notifications, for WebSocket delivery in every process. */
    notificationsChannel: `${root}:alerts:notifications`,
  };
}

export type AlertKeys = ReturnType<typeof createAlertKeys>;
