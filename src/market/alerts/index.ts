export {
  MAX_NOTIFICATIONS_LIMIT,
  NotificationStore,
  type OutboxEntry,
  toNotification,
} from './notifications.ts';
export {
  type AlertCleanupResult,
  PriceAlerts,
  type PriceAlertsDeps,
} from './price-alerts.ts';
export { alertSymbolKeys } from './price-check.ts';
export { TradableSymbols } from './tradable-symbols.ts';
export {
  ALERT_CONDITIONS,
  type AlertCondition,
  type AlertNotification,
  type AlertStatus,
  type CheckedPrice,
  type NewPriceAlert,
  type OwnedNotification,
  type PriceAlert,
} from './types.ts';
export { assertTargetPrice, TARGET_PRICE_PATTERN } from './validate.ts';
