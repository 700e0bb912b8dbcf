/**
 * Schemas of the price alert and notification routes: validation at the edge, the OpenAPI
 * description, and fast serialization. Prices are decimal strings end to end.
 */
import { TARGET_PRICE_PATTERN } from '../../../market/alerts/index.ts';
import { MAX_NOTIFICATIONS_LIMIT } from '../../../market/alerts/notifications.ts';
import { marketProperty } from '../market-common.ts';

const isoTime = { type: 'string', format: 'date-time' } as const;
const nullableIsoTime = { type: ['string', 'null'], format: 'date-time' } as const;
const condition = {
  type: 'string',
  enum: ['above', 'below', 'crosses'],
  description:
    'above: first price ≥ target; below: first price ≤ target; crosses: first price on the other side of the target from the price at creation, or equal to it',
} as const;
const targetPrice = {
  type: 'string',
  pattern: TARGET_PRICE_PATTERN.source,
  maxLength: 39,
  description: 'positive decimal string (a JSON number is refused: it may already have lost digits)',
} as const;

export const createAlertBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['symbol', 'targetPrice', 'condition'],
  properties: {
    symbol: {
      type: 'string',
      pattern: '^[A-Z0-9]{2,30}$',
      description: 'a TRADING symbol of the market, any quote asset',
    },
    market: marketProperty,
    targetPrice,
    condition,
    ttlSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: 365 * 86_400,
      description: 'the alert expires unfired after this many seconds; none: never',
    },
  },
} as const;

const alert = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    symbol: { type: 'string' },
    market: { type: 'string', enum: ['spot', 'futures'] },
    targetPrice: { type: 'string' },
    condition,
    status: { type: 'string', enum: ['active', 'triggered', 'expired'] },
    createdAt: isoTime,
    expiresAt: nullableIsoTime,
    triggeredAt: { ...nullableIsoTime, description: 'exchange time of the price that fired it' },
    triggerPrice: { type: ['string', 'null'], description: 'the price that fired it' },
  },
  required: ['id', 'symbol', 'market', 'targetPrice', 'condition', 'status', 'createdAt', 'expiresAt'],
} as const;

export const alertResponseSchema = alert;

export const listAlertsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['active', 'triggered', 'expired', 'all'], default: 'active' },
  },
} as const;

export const listAlertsResponseSchema = {
  type: 'object',
  properties: { alerts: { type: 'array', items: alert } },
  required: ['alerts'],
} as const;

export const alertParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^al_[0-9a-f]{24}$' } },
  required: ['id'],
} as const;

export const deleteAlertResponseSchema = {
  type: 'object',
  properties: { deleted: { type: 'boolean' } },
  required: ['deleted'],
} as const;

/** A notification, exactly as the WebSocket `alerts` channel sends it too. */
export const notificationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    alertId: { type: 'string' },
    symbol: { type: 'string' },
    market: { type: 'string', enum: ['spot', 'futures'] },
    condition,
    targetPrice: { type: 'string' },
    price: { type: 'string', description: 'the price that fired the alert' },
    triggeredAt: { ...isoTime, description: 'exchange time of that price' },
  },
  required: ['id', 'alertId', 'symbol', 'market', 'condition', 'targetPrice', 'price', 'triggeredAt'],
} as const;

export const notificationsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: MAX_NOTIFICATIONS_LIMIT, default: 50 },
  },
} as const;

export const notificationsResponseSchema = {
  type: 'object',
  properties: { notifications: { type: 'array', items: notificationSchema } },
  required: ['notifications'],
} as const;
