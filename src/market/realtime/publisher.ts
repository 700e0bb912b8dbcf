/**
 * The feed's side of the market fan-out: one PUBLISH per flush and market on
 * `keys.market.updatesChannel(market)`. Publishing is fire-and-forget for the feed (a lost update
 * is replaced by the next one), so an error is counted by the caller, never retried.
 */
import type { RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import type { MarketType } from '../../trading/index.ts';
import type { MarketUpdate, MarketUpdateMessage } from './updates.ts';

export class MarketUpdatePublisher {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: MarketKeys,
  ) {}

  /** Publishes the updates of one flush; resolves to the number of processes that received it. */
  async publish(market: MarketType, updates: readonly MarketUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    const message: MarketUpdateMessage = { market, updates };
    return this.redis.publish(this.keys.updatesChannel(market), JSON.stringify(message));
  }
}
