/**
 * Settings of price alerts, notifications and the WebSocket push: the per-user alert cap, how
 * many notifications a user keeps, and the WebSocket's bounds (send buffer, message rate,
 * subscription heartbeat).
 */
import { type Env, int } from './parse.ts';

export interface AlertsConfig {
  /** Most active alerts one user may have (409 past it). */
  readonly maxAlertsPerUser: number;
  /** Notifications kept per user, newest first. */
  readonly notificationsKept: number;
}

export interface WebSocketConfig {
  /** A socket whose unsent bytes exceed this is closed (slow consumer). */
  readonly maxBufferedBytes: number;
  /** Client messages per second one socket may send (burst: twice that). */
  readonly messagesPerSecond: number;
  /** Seconds a socket's subscriptions live in Redis without a heartbeat. */
  readonly subscriptionTtlSec: number;
  /** Most channels one socket may subscribe to. */
  readonly maxChannels: number;
}

export function loadAlertsConfig(e: Env): AlertsConfig {
  return {
    maxAlertsPerUser: int(e, 'MAX_ALERTS_PER_USER', 200, 1, 100_000),
    notificationsKept: int(e, 'NOTIFICATIONS_KEPT', 500, 1, 10_000),
  };
}

export function loadWebSocketConfig(e: Env): WebSocketConfig {
  return {
    maxBufferedBytes: int(e, 'WS_MAX_BUFFERED_BYTES', 1_048_576, 1024, 1_073_741_824),
    messagesPerSecond: int(e, 'WS_MESSAGES_PER_SECOND', 20, 1, 10_000),
    subscriptionTtlSec: int(e, 'WS_SUBSCRIPTION_TTL', 60, 5, 86_400),
    maxChannels: int(e, 'WS_MAX_CHANNELS', 200, 1, 10_000),
  };
}
