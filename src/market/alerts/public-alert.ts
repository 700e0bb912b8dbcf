/** The public shape of a stored alert, and the errors the create path shares. */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { MarketType } from '../../trading/index.ts';
import type { PriceAlert, StoredAlert } from './types.ts';

export function noReference(market: MarketType, symbol: string): TradecacheError {
  return new TradecacheError(
    ErrorCodes.CONFLICT,
    `no current price of ${market} ${symbol} yet: a crosses alert needs one to know its direction`,
  );
}

/** The API shape; an active alert past its expiry shows as expired before the cleanup deletes it. */
export function toPublic(stored: StoredAlert, now: number): PriceAlert {
  const expired = stored.status === 'active' && stored.expiresAt !== null && stored.expiresAt <= now;
  return {
    id: stored.id,
    symbol: stored.symbol,
    market: stored.market,
    targetPrice: stored.targetPrice,
    condition: stored.condition,
    status: expired ? 'expired' : stored.status,
    createdAt: new Date(stored.createdAt).toISOString(),
    expiresAt: stored.expiresAt === null ? null : new Date(stored.expiresAt).toISOString(),
    triggeredAt: typeof stored.triggeredAt === 'number' ? new Date(stored.triggeredAt).toISOString() : null,
    triggerPrice: stored.triggerPrice ?? null,
  };
}
