import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes, TradecacheError } from '../../../errors.ts';
import type {
  AlertCondition,
  AlertStatus,
  PriceAlerts,
  TradableSymbols,
} from '../../../market/alerts/index.ts';
import { ADMIN_TOKEN_PRINCIPAL } from '../../../sessions/index.ts';
import type { MarketType } from '../../../trading/index.ts';
import { requireUser } from '../../plugins/auth.ts';
import {
  alertParamsSchema,
  alertResponseSchema,
  createAlertBodySchema,
  deleteAlertResponseSchema,
  listAlertsQuerySchema,
  listAlertsResponseSchema,
  notificationsQuerySchema,
  notificationsResponseSchema,
} from './schemas.ts';

export interface AlertRoutesOptions {
  alerts: PriceAlerts;
  symbols: TradableSymbols;
}

interface CreateBody {
  symbol: string;
  market: MarketType;
  targetPrice: string;
  condition: AlertCondition;
  ttlSeconds?: number;
}

/**
 * Price alerts and notifications of the caller: `POST /api/v1/cache/price-alert`,
 * `GET /api/v1/cache/price-alerts`, `DELETE /api/v1/cache/price-alert/:id`,
 * `GET /api/v1/users/me/notifications`. Another user's alert id answers 404, like one that never
 * existed, so ids leak nothing.
 */
export async function alertRoutes(app: FastifyInstance, opts: AlertRoutesOptions) {
  app.post<{ Body: CreateBody }>(
    '/api/v1/cache/price-alert',
    {
      // A symbol, a price, a condition and a TTL fit in far less.
      bodyLimit: 4 * 1024,
      schema: {
        tags: ['alerts'],
        summary: 'Set a price alert',
        body: createAlertBodySchema,
        response: { 201: alertResponseSchema },
      },
      // Before the schema: Ajv would coerce a JSON number into a string that looks exact, and
      // drop unknown members silently.
      preValidation: async (request) => refuseLooseBody(request.body),
      preHandler: [app.authenticated],
    },
    async (request, reply) => {
      const userId = me(request);
      const { symbol, market, targetPrice, condition, ttlSeconds } = request.body;
      if (!(await opts.symbols.isTradable(market, symbol))) {
        throw new TradecacheError(
          ErrorCodes.VALIDATION_FAILED,
          `${symbol} is not a trading ${market} symbol`,
          {
            context: { field: 'symbol' },
          },
        );
      }
      const alert = await opts.alerts.create(userId, {
        symbol,
        market,
        targetPrice,
        condition,
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
      });
      reply.status(201);
      return alert;
    },
  );

  app.get<{ Querystring: { status: AlertStatus | 'all' } }>(
    '/api/v1/cache/price-alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'My price alerts (active by default)',
        querystring: listAlertsQuerySchema,
        response: { 200: listAlertsResponseSchema },
      },
      preHandler: [app.authenticated],
    },
    async (request) => ({ alerts: await opts.alerts.list(me(request), request.query.status) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/cache/price-alert/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Delete one of my price alerts',
        params: alertParamsSchema,
        response: { 200: deleteAlertResponseSchema },
      },
      preHandler: [app.authenticated],
    },
    async (request) => {
      if (!(await opts.alerts.delete(me(request), request.params.id))) {
        throw new TradecacheError(ErrorCodes.NOT_FOUND, 'no such price alert');
      }
      return { deleted: true };
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/api/v1/users/me/notifications',
    {
      schema: {
        tags: ['alerts'],
        summary: 'My alert notifications, newest first',
        querystring: notificationsQuerySchema,
        response: { 200: notificationsResponseSchema },
      },
      preHandler: [app.authenticated],
    },
    async (request) => ({
      notifications: await opts.alerts.listNotifications(me(request), request.query.limit),
    }),
  );
}

const BODY_FIELDS = new Set(Object.keys(createAlertBodySchema.properties));

function refuseLooseBody(raw: unknown): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  const body = raw as Record<string, unknown>;
  const unknown = Object.keys(body).find((key) => !BODY_FIELDS.has(key));
  if (unknown !== undefined) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      `unknown field ${JSON.stringify(unknown.slice(0, 40))}`,
      {
        context: { field: unknown.slice(0, 40) },
      },
    );
  }
  if ('targetPrice' in body && typeof body.targetPrice !== 'string') {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      'targetPrice must be a decimal string such as "65000.50", not a JSON number',
      { context: { field: 'targetPrice' } },
    );
  }
  if ('ttlSeconds' in body && typeof body.ttlSeconds !== 'number') {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'ttlSeconds must be a whole number of seconds', {
      context: { field: 'ttlSeconds' },
    });
  }
}

/** The caller's user id; the operator's admin token is not a user and has no alerts. */
function me(request: FastifyRequest): string {
  const user = requireUser(request);
  if (user.userId === ADMIN_TOKEN_PRINCIPAL) {
    throw new TradecacheError(ErrorCodes.FORBIDDEN, 'the admin token has no price alerts: log in as a user');
  }
  return user.userId;
}
