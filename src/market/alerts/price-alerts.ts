/**
 * Price alerts in Redis (seed 002: set_price_alert, get_user_alerts, check_price_alerts), durable
 * user data: no TTL on any key, written with the "refuse" failure rule (503 without Redis).
 *
 * Layout (see `redis/keys/alerts.ts`): per symbol, two ZSETs of targets (`above`, `below`; a
 * `crosses` alert goes into the one its direction from the creation price needs), a HASH of
 * records, a ZSET of expiries and a STREAM outbox; per user, an index, the active set (the cap)
 * and the notification list. Matching is one Lua call per symbol and price
 * (`lua/alert-check-6.lua`): O(log N + triggered), exactly once under concurrent checkers.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { RedisClient } from '../../redis/client.ts';
import { refuseWithoutRedis } from '../../redis/failure-rules.ts';
import type { AlertKeys } from '../../redis/keys/index.ts';
import { queueScript, runScript } from '../../redis/scripts.ts';
import { SlotPipelines } from '../../redis/slot-pipelines.ts';
import type { MarketType } from '../../trading/index.ts';
import { isDecimalString } from '../decimal/index.ts';
import { NotificationStore, type OutboxEntry } from './notifications.ts';
import type {
  AlertNotification,
  AlertStatus,
  CheckedPrice,
  NewPriceAlert,
  OwnedNotification,
  PriceAlert,
  StoredAlert,
} from './types.ts';
import { assertTargetPrice } from './validate.ts';

/** Candidates one check call reads per side; a bigger jump takes several calls. */
const CHECK_BATCH = 5_000;
/** Expired alerts one cleanup call deletes per symbol. */
const CLEANUP_BATCH = 1_000;

export interface PriceAlertsDeps {
  readonly redis: RedisClient;
  readonly keys: AlertKeys;
  readonly maxAlertsPerUser: number;
  readonly notificationsKept: number;
  /** The current price the price cache holds, the reference of a new alert; null when none. */
  readonly currentPrice: (
    market: MarketType,
    symbol: string,
  ) => Promise<{ price: string; time: number } | null>;
  /** Called with every delivered notification (after it is stored and published). */
  readonly onNotified?: (notifications: readonly OwnedNotification[]) => void;
  readonly now?: () => number;
}

/** Result of one cleanup run, for the operations service. */
export interface AlertCleanupResult {
  readonly expiredRemoved: number;
  readonly outboxRecovered: number;
}

export class PriceAlerts {
  readonly notifications: NotificationStore;
  private readonly now: () => number;

  constructor(private readonly deps: PriceAlertsDeps) {
    this.now = deps.now ?? Date.now;
    this.notifications = new NotificationStore({
      redis: deps.redis,
      keys: deps.keys,
      kept: deps.notificationsKept,
    });
  }

  /**
   * Sets an alert. The caller checked the symbol; this checks the target and the per-user cap
   * (CONFLICT past it). An alert whose target the current price has already reached fires at
   * once (status `triggered`, its notification delivered).
   */
  async create(userId: string, input: NewPriceAlert): Promise<PriceAlert> {
    assertTargetPrice(input.targetPrice);
    const { redis, keys } = this.deps;
    const { market, symbol } = input;
    const id = `al_${randomBytes(12).toString('hex')}`;
    const createdAt = this.now();
    const expiresAt = input.ttlSeconds === undefined ? null : createdAt + input.ttlSeconds * 1000;
    const record: StoredAlert = {
      id,
      userId,
      market,
      symbol,
      condition: input.condition,
      targetPrice: input.targetPrice,
      status: 'active',
      createdAt,
      expiresAt,
    };
    return refuseWithoutRedis('price alert create', async () => {
      const current = await this.deps.currentPrice(market, symbol);
      if (input.condition === 'crosses' && current === null) {
        const last = await redis.hget(keys.lastChecked(market, symbol), 'price');
        if (last === null) throw noReference(market, symbol);
      }
      const reserved = await runScript<number>(
        redis,
        'alert-reserve',
        [keys.activeAlerts(userId), keys.userAlerts(userId)],
        [
          id,
          `${market}:${symbol}`,
          expiresAt === null ? '+inf' : expiresAt,
          createdAt,
          this.deps.maxAlertsPerUser,
        ],
      );
      if (reserved !== 1) {
        throw new TradecacheError(
          ErrorCodes.CONFLICT,
          `at most ${this.deps.maxAlertsPerUser} active price alerts per user: delete one first`,
        );
      }
      let reply: [number, string?, string?, string?];
      try {
        await redis.sadd(keys.symbolsWithAlerts, `${market}:${symbol}`);
        reply = await runScript(redis, 'alert-create', symbolKeys(keys, market, symbol), [
          id,
          JSON.stringify(record),
          input.condition,
          input.targetPrice,
          current?.price ?? '',
          current?.time ?? '',
          expiresAt ?? '',
        ]);
      } catch (err) {
        await this.unindex(userId, [id]).catch(() => {});
        throw err;
      }
      if (reply[0] === 0) {
        await this.unindex(userId, [id]);
        throw noReference(market, symbol);
      }
      if (reply[0] === 2 && reply[2] && reply[3]) {
        await this.deliver([{ market, symbol, streamId: reply[2], json: reply[3] }]);
      }
      return toPublic(JSON.parse(reply[1] ?? '{}') as StoredAlert, this.now());
    });
  }

  /** The user's alerts with `status` (default active), newest first. */
  async list(userId: string, status: AlertStatus | 'all' = 'active'): Promise<PriceAlert[]> {
    const { redis, keys } = this.deps;
    return refuseWithoutRedis('price alert list', async () => {
      const index = await redis.hgetall(keys.userAlerts(userId));
      const ids = Object.keys(index);
      if (ids.length === 0) return [];
      // Records live in their symbol's slot: one pipeline per master on a Cluster.
      const reads = new SlotPipelines(redis);
      for (const id of ids) {
        const [market, symbol] = (index[id] ?? '').split(':') as [MarketType, string];
        const records = keys.records(market, symbol);
        reads.on(records).hget(records, id);
      }
      const rows = (await reads.exec()) ?? [];
      const now = this.now();
      const alerts: PriceAlert[] = [];
      for (const [err, raw] of rows) {
        if (err) throw err;
        if (typeof raw !== 'string') continue;
        const stored = JSON.parse(raw) as StoredAlert;
        if (stored.userId !== userId) continue;
        const alert = toPublic(stored, now);
        if (status === 'all' || alert.status === status) alerts.push(alert);
      }
      return alerts.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    });
  }

  /** Deletes one of the user's alerts; false when the user has no alert with this id (so it never fires). */
  async delete(userId: string, alertId: string): Promise<boolean> {
    const { redis, keys } = this.deps;
    return refuseWithoutRedis('price alert delete', async () => {
      const area = await redis.hget(keys.userAlerts(userId), alertId);
      if (area === null) return false;
      const [market, symbol] = area.split(':') as [MarketType, string];
      await redis
        .multi()
        .zrem(keys.targets(market, symbol, 'above'), alertId)
        .zrem(keys.targets(market, symbol, 'below'), alertId)
        .zrem(keys.expiring(market, symbol), alertId)
        .hdel(keys.records(market, symbol), alertId)
        .exec();
      await this.unindex(userId, [alertId]);
      return true;
    });
  }

  /**
   * The feed's seam: checks new prices of one market (one flush) against every alert, one script
   * call per symbol and price, pipelined, in the order given; delivers what fired and returns it.
   * Invalid prices are skipped (the feed validated them already).
   */
  async checkPrices(market: MarketType, prices: readonly CheckedPrice[]): Promise<AlertNotification[]> {
    const { redis, keys } = this.deps;
    let pending = prices.filter((p) => isDecimalString(p.price) && Number.isSafeInteger(p.time));
    const fired: OutboxEntry[] = [];
    // Each round fires or expires up to CHECK_BATCH alerts per side; the bound only stops a
    // window of equal-double, not-yet-reached targets from looping forever.
    for (let round = 0; pending.length > 0 && round < 1_000; round++) {
      // One script call per symbol, each in its symbol's slot: one pipeline per master on a Cluster.
      const pipelines = new SlotPipelines(redis);
      for (const p of pending) {
        const symbolSlotKeys = symbolKeys(keys, market, p.symbol);
        queueScript(pipelines.on(symbolSlotKeys[0] as string), 'alert-check', symbolSlotKeys, [
          p.price,
          p.time,
          CHECK_BATCH,
        ]);
      }
      const results = await pipelines.exec();
      const again: CheckedPrice[] = [];
      results.forEach(([err, reply], i) => {
        if (err) throw err;
        const p = pending[i] as CheckedPrice;
        const row = reply as (number | string)[];
        for (let j = 1; j + 1 < row.length; j += 2) {
          fired.push({ market, symbol: p.symbol, streamId: String(row[j]), json: String(row[j + 1]) });
        }
        // A full candidate window: more may be waiting past it.
        if (row[0] === 1) again.push(p);
      });
      pending = again;
    }
    return (await this.deliver(fired)).map((n) => n.notification);
  }

  /**
   * Deletes expired alerts and delivers triggers a dead process left in an outbox. For the
   * operations service to run every minute or so; safe to run in several processes at once.
   */
  async cleanup(): Promise<AlertCleanupResult> {
    const { redis, keys } = this.deps;
    let expiredRemoved = 0;
    for (const area of await redis.smembers(keys.symbolsWithAlerts)) {
      const [market, symbol] = area.split(':') as [MarketType, string];
      const k = symbolKeys(keys, market, symbol);
      const [above = '', below = '', records = '', , expiring = ''] = k;
      const removed = await runScript<string[]>(
        redis,
        'alert-cleanup',
        [above, below, records, expiring],
        [this.now(), CLEANUP_BATCH],
      );
      for (let i = 0; i + 1 < removed.length; i += 2) {
        await this.unindex(removed[i + 1] as string, [removed[i] as string]);
        expiredRemoved++;
      }
    }
    const outboxRecovered = await this.notifications.recover();
    return { expiredRemoved, outboxRecovered };
  }

  /** The user's notifications, newest first. */
  listNotifications(userId: string, limit: number): Promise<AlertNotification[]> {
    return refuseWithoutRedis('notification list', () => this.notifications.list(userId, limit));
  }

  private async deliver(entries: readonly OutboxEntry[]): Promise<OwnedNotification[]> {
    const delivered = await this.notifications.deliver(entries);
    if (delivered.length > 0) this.deps.onNotified?.(delivered);
    return delivered;
  }

  private async unindex(userId: string, ids: readonly string[]): Promise<void> {
    const { redis, keys } = this.deps;
    await redis
      .multi()
      .hdel(keys.userAlerts(userId), ...ids)
      .zrem(keys.activeAlerts(userId), ...ids)
      .exec();
  }
}

/** The six keys of the create and check scripts, in their order (the `alerts` benchmark seeds through them too). */
export function symbolKeys(keys: AlertKeys, market: MarketType, symbol: string): string[] {
  return [
    keys.targets(market, symbol, 'above'),
    keys.targets(market, symbol, 'below'),
    keys.records(market, symbol),
    keys.lastChecked(market, symbol),
    keys.expiring(market, symbol),
    keys.outbox(market, symbol),
  ];
}

function noReference(market: MarketType, symbol: string): TradecacheError {
  return new TradecacheError(
    ErrorCodes.CONFLICT,
    `no current price of ${market} ${symbol} yet: a crosses alert needs one to know its direction`,
  );
}

/** The API shape; an active alert past its expiry shows as expired before the cleanup deletes it. */
function toPublic(stored: StoredAlert, now: number): PriceAlert {
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
