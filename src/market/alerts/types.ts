/** The vocabulary of price alerts and their notifications. */
import type { MarketType } from '../../trading/index.ts';

/**
 * `above`: fires at the first price ≥ target after it is set (at once if the price is already
 * there); `below`: the first price ≤ target; `crosses`: the first price on the other side of the
 * target from the price when it was set, or equal to it.
 */
export type AlertCondition = 'above' | 'below' | 'crosses';
export const ALERT_CONDITIONS: readonly AlertCondition[] = ['above', 'below', 'crosses'];

export type AlertStatus = 'active' | 'triggered' | 'expired';

/** What a user asks for. */
export interface NewPriceAlert {
  readonly symbol: string;
  readonly market: MarketType;
  /** Plain positive decimal string, kept as given. */
  readonly targetPrice: string;
  readonly condition: AlertCondition;
  /** Seconds until the alert expires unfired; none: it never expires. */
  readonly ttlSeconds?: number;
}

/** One alert as the API lists it. */
export interface PriceAlert {
  readonly id: string;
  readonly symbol: string;
  readonly market: MarketType;
  readonly targetPrice: string;
  readonly condition: AlertCondition;
  readonly status: AlertStatus;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601, or null without TTL. */
  readonly expiresAt: string | null;
  /** ISO 8601 exchange time of the price that fired it; null while not triggered. */
  readonly triggeredAt: string | null;
  /** The price that fired it; null while not triggered. */
  readonly triggerPrice: string | null;
}

/** A notification as the notifications route lists it and the `alerts` channel sends it. */
export interface AlertNotification {
  readonly id: string;
  readonly alertId: string;
  readonly symbol: string;
  readonly market: MarketType;
  readonly condition: AlertCondition;
  readonly targetPrice: string;
  readonly price: string;
  /** ISO 8601 exchange time of the price that fired the alert. */
  readonly triggeredAt: string;
}

/** A notification with its owner, as the outbox, the user's list and pub/sub carry it. */
export interface OwnedNotification {
  readonly userId: string;
  readonly notification: AlertNotification;
}

/** One new price of a symbol, as the feed hands it to the alert check. */
export interface CheckedPrice {
  readonly symbol: string;
  readonly price: string;
  /** Exchange time (epoch ms). */
  readonly time: number;
}

/** The record stored per alert (JSON in the symbol's records HASH, written by the Lua scripts too). */
export interface StoredAlert {
  id: string;
  userId: string;
  market: MarketType;
  symbol: string;
  condition: AlertCondition;
  targetPrice: string;
  status: AlertStatus;
  createdAt: number;
  expiresAt: number | null;
  side?: 'above' | 'below';
  referencePrice?: string | null;
  triggeredAt?: number;
  triggerPrice?: string;
}

/** The notification JSON the Lua scripts write (times in ms). */
export interface RawNotification {
  id: string;
  alertId: string;
  userId: string;
  market: MarketType;
  symbol: string;
  condition: AlertCondition;
  targetPrice: string;
  price: string;
  triggeredAt: number;
}
