/**
 * The symbols WebSocket clients watch, shared by every process through Redis: a ZSET per market
 * of symbol → last-seen time (`keys.market.clientWatched`). Each API process re-announces the
 * symbols its sockets are subscribed to on its heartbeat, so a symbol no client of any process
 * watches any more simply stops being refreshed and drops out after the TTL; the feed leader
 * reads the live members and watches them (see `MarketFeeds.syncClientWatched`).
 *
 * A first subscription is also announced at once, with a nudge on `keys.market.clientWatchChannel`
 * so the leader need not wait for its next periodic read. Removal is by expiry only: another
 * process may still watch the symbol, and a shared member cannot tell whose it is.
 */
import type { RedisClient } from '../../redis/client.ts';
import type { MarketKeys } from '../../redis/keys/index.ts';
import { isSymbol, MARKET_TYPES, type MarketType } from '../../trading/index.ts';

export class ClientWatchList {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: MarketKeys,
    /** A member not announced for this long no longer counts. */
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Marks `symbols` as watched now; `nudge` tells the leader to read the list at once. */
  async announce(market: MarketType, symbols: readonly string[], nudge = false): Promise<void> {
    if (symbols.length === 0) return;
    const key = this.keys.clientWatched(market);
    const now = this.now();
    const tx = this.redis.multi();
    tx.zadd(key, ...symbols.flatMap((s) => [now, s]));
    tx.pexpire(key, this.ttlMs);
    // Published after the ZADD on the same connection: the leader reading on the nudge sees it.
    if (nudge) tx.publish(this.keys.clientWatchChannel(market), symbols.join(','));
    await tx.exec();
  }

  /** The symbols some client announced within the TTL (malformed members are skipped). */
  async symbols(market: MarketType): Promise<string[]> {
    const members = await this.redis.zrangebyscore(
      this.keys.clientWatched(market),
      this.now() - this.ttlMs,
      '+inf',
    );
    return members.filter(isSymbol);
  }

  /** Deletes members past the TTL (the cleanup step); returns how many. */
  async removeStale(): Promise<number> {
    let removed = 0;
    for (const market of MARKET_TYPES) {
      removed += await this.redis.zremrangebyscore(
        this.keys.clientWatched(market),
        '-inf',
        `(${this.now() - this.ttlMs}`,
      );
    }
    return removed;
  }
}
