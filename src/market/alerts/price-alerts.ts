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
import { ErrorCodes, isTradecacheError, TradecacheError } from '../../errors.ts';
import type { RedisClient } from '../../redis/client.ts';
import { DurableAck } from '../../redis/durable-ack.ts';
import { refuseWithoutRedis } from '../../redis/failure-rules.ts';
import type { AlertKeys } from '../../redis/keys/index.ts';
import { queueScript, runScript } from '../../redis/scripts.ts';
import { SlotPipelines } from '../../redis/slot-pipelines.ts';
import { MARKET_TYPES, type MarketType } from '../../trading/index.ts';
import { isDecimalString } from '../decimal/index.ts';
import { CheckedSymbols } from './checked-symbols.ts';
import { NotificationStore, type OutboxEntry } from './notifications.ts';
import { alertSymbolKeys, runAlertChecks } from './price-check.ts';
import { noReference, toPublic } from './public-alert.ts';
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
  /** WAIT for replicas after each durable write (see `redis/durable-ack.ts`); default none. */
  readonly durable?: DurableAck;
  readonly now?: () => number;
  /** How long a new alert keeps its symbol checked, whatever happens to the alert. @default 60 s */
  readonly checkedSymbolGraceMs?: number;
}

/** Result of one cleanup run, for the operations service. */
export interface AlertCleanupResult {
  readonly expiredRemoved: number;
  readonly outboxRecovered: number;
}

export class PriceAlerts {
  readonly notifications: NotificationStore;
  /** The symbols the feed's check visits (those that may hold active alerts). */
  readonly checkedSymbols: CheckedSymbols;
  private readonly now: () => number;

  constructor(private readonly deps: PriceAlertsDeps) {
    this.now = deps.now ?? Date.now;
    this.checkedSymbols = new CheckedSymbols(deps.redis, deps.keys, deps.checkedSymbolGraceMs);
    this.notifications = new NotificationStore({
      redis: deps.redis,
      keys: deps.keys,
      kept: deps.notificationsKept,
      ...(deps.durable ? { durable: deps.durable } : {}),
    });
  }

  /**
   * Sets an alert. The caller checked the symbol; this checks the target and the per-user cap
   * (CONFLICT past it). An alert whose target the current price has already reached fires at
   * once (status `triggered`, its notification delivered).
   */
  async create(userId: string, input: NewPriceAlert): Promise<PriceAlert> {
    assertTargetPrice(input.targetPrice);
    const { redis, keys, durable = DurableAck.off } = this.deps;
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
      // Before the reference price is read: see checked-symbols.ts.
      await this.checkedSymbols.mark(market, symbol);
      const current = await this.deps.currentPrice(market, symbol);
      if (input.condition === 'crosses' && current === null) {
        const last = await redis.hget(keys.lastChecked(market, symbol), 'price');
        if (last === null) throw noReference(market, symbol);
      }
      // The reservation (user's slot) and the symbol marker (its own slot) go to their masters
      // in parallel, each with its WAIT; the record follows once the cap let it in.
      const op = 'price alert create';
      const [[reserved]] = await Promise.all([
        durable.exec(redis, op, (p) =>
          queueScript(
            p,
            'alert-reserve',
            [keys.activeAlerts(userId), keys.userAlerts(userId)],
            [id, `${market}:${symbol}`, expiresAt ?? '+inf', createdAt, this.deps.maxAlertsPerUser],
          ),
        ),
        durable.exec(redis, op, (p) => p.sadd(keys.symbolsWithAlerts, `${market}:${symbol}`)),
      ]).catch(async (err: unknown) => {
        await this.unindex(userId, [id]).catch(() => {});
        throw err;
      });
      if (reserved?.[1] !== 1) {
        throw new TradecacheError(
          ErrorCodes.CONFLICT,
          `at most ${this.deps.maxAlertsPerUser} active price alerts per user: delete one first`,
        );
      }
      let reply: [number, string?, string?, string?];
      try {
        const written = await durable.exec(redis, op, (p) =>
          queueScript(p, 'alert-create', alertSymbolKeys(keys, market, symbol), [
            id,
            JSON.stringify(record),
            input.condition,
            input.targetPrice,
            current?.price ?? '',
            current?.time ?? '',
            expiresAt ?? '',
          ]),
        );
        reply = written[0]?.[1] as typeof reply;
      } catch (err) {
        // Unconfirmed: the record may survive, so its index stays (the answer says "may").
        if (!isTradecacheError(err, ErrorCodes.WRITE_UNCONFIRMED))
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
    const { redis, keys, durable = DurableAck.off } = this.deps;
    return refuseWithoutRedis('price alert delete', async () => {
      const area = await redis.hget(keys.userAlerts(userId), alertId);
      if (area === null) return false;
      const [market, symbol] = area.split(':') as [MarketType, string];
      const replies = await durable.transaction(redis, 'price alert delete', (multi) =>
        multi
          .zrem(keys.targets(market, symbol, 'above'), alertId)
          .zrem(keys.targets(market, symbol, 'below'), alertId)
          .zrem(keys.expiring(market, symbol), alertId)
          .hdel(keys.records(market, symbol), alertId)
          .zcard(keys.targets(market, symbol, 'above'))
          .zcard(keys.targets(market, symbol, 'below')),
      );
      await this.unindex(userId, [alertId], durable);
      if (replies[4]?.[1] === 0 && replies[5]?.[1] === 0) await this.checkedSymbols.prune(market, [symbol]);
      return true;
    });
  }

  /**
   * The feed's seam: checks new prices of one market (one flush) against every alert, one script
   * call per symbol and price, pipelined, in the order given; delivers what fired and returns it.
   * Only symbols of the checked-symbol index are visited (a price elsewhere can fire nothing);
   * those whose last alert went leave it. Invalid prices are skipped (the feed validated them).
   *
   * The index is read after the prices are in Redis (see checked-symbols.ts), but its read need
   * not hold the checks up: the symbols of the index this process read last are checked at once,
   * beside the read, and only symbols the fresh index adds wait for it.
   */
  async checkPrices(market: MarketType, prices: readonly CheckedPrice[]): Promise<AlertNotification[]> {
    const { redis, keys } = this.deps;
    const valid = prices.filter((p) => isDecimalString(p.price) && Number.isSafeInteger(p.time));
    const known = this.checkedSymbols.lastRead(market);
    const reading = this.checkedSymbols.list(market);
    const [early, fresh] = await Promise.all([
      runAlertChecks(
        redis,
        keys,
        market,
        valid.filter((p) => known?.has(p.symbol)),
      ),
      reading,
    ]);
    const late = await runAlertChecks(
      redis,
      keys,
      market,
      valid.filter((p) => fresh.has(p.symbol) && !known?.has(p.symbol)),
    );
    const delivered = await this.deliver([...early.fired, ...late.fired]);
    await this.checkedSymbols.prune(market, [...early.emptied, ...late.emptied]);
    return delivered.map((n) => n.notification);
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
      const k = alertSymbolKeys(keys, market, symbol);
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
    // Symbols whose last alert went while their mark was young (a prune then keeps them).
    for (const market of MARKET_TYPES) {
      await this.checkedSymbols.pruneIfEmpty(market, [...(await this.checkedSymbols.list(market))]);
    }
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

  private async unindex(userId: string, ids: readonly string[], durable = DurableAck.off): Promise<void> {
    const { redis, keys } = this.deps;
    await durable.transaction(redis, 'price alert delete', (multi) =>
      multi.hdel(keys.userAlerts(userId), ...ids).zrem(keys.activeAlerts(userId), ...ids),
    );
  }
}
