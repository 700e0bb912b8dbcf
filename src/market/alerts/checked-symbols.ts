/**
 * The symbols of a market the feed's alert check visits: those that may hold active alerts, so a
 * flush of 500 prices with alerts on 20 symbols runs 20 check scripts, not 500.
 *
 * The index (`keys.checkedSymbols(market)`, a ZSET symbol → time marked) is cross-symbol, while a
 * symbol's alerts live in its own hash slot; on a Cluster no script can hold both, so the index
 * is touched in calls of its own and is kept a superset of the symbols with active alerts:
 * - a create marks its symbol (`mark`) before it reads its reference price: a check that read
 *   the index before the mark had its price in the price cache already, so the create's
 *   reference is that price or newer (as when a check of the symbol runs before its create);
 * - a symbol leaves (`prune`) only once the caller saw its target sets empty AND its mark is
 *   older than the grace, which outlasts any create from its mark to its script: an alert
 *   added after the caller counted belongs to a create whose mark is still young.
 * A symbol whose last alert went stays checked for the grace at most (and until the next check
 * or cleanup sees it empty): harmless, a check of a symbol without alerts fires nothing.
 *
 * Data from before the index existed: an index without its built marker is rebuilt once from
 * the symbols that ever had alerts (those whose target sets hold any).
 */
import type { RedisClient } from '../../redis/client.ts';
import type { AlertKeys } from '../../redis/keys/index.ts';
import { runScript } from '../../redis/scripts.ts';
import { SlotPipelines } from '../../redis/slot-pipelines.ts';
import type { MarketType } from '../../trading/index.ts';

/** Member of a built index (never a symbol: the key registry refuses `*`). */
const BUILT = '*';
/** How long a mark keeps its symbol in the index, whatever the target sets hold. @default 60 s */
export const CHECKED_SYMBOL_GRACE_MS = 60_000;

export class CheckedSymbols {
  /** The index as this process last read it, per market (a read replaces it, a prune here trims it). */
  private readonly read = new Map<MarketType, Set<string>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: AlertKeys,
    private readonly graceMs = CHECKED_SYMBOL_GRACE_MS,
  ) {}

  /** Marks a symbol about to get an alert (before its reference price is read). */
  async mark(market: MarketType, symbol: string): Promise<void> {
    await runScript(this.redis, 'alert-symbol-mark', [this.keys.checkedSymbols(market)], [symbol]);
  }

  /** The symbols the check visits (rebuilding an index never built, once). */
  async list(market: MarketType): Promise<Set<string>> {
    const members = await this.redis.zrange(this.keys.checkedSymbols(market), 0, -1);
    const symbols = new Set(members.filter((m) => m !== BUILT));
    if (!members.includes(BUILT)) for (const symbol of await this.rebuild(market)) symbols.add(symbol);
    this.read.set(market, symbols);
    return new Set(symbols);
  }

  /** The index as `list` last returned it in this process, less what this process pruned since. */
  lastRead(market: MarketType): ReadonlySet<string> | undefined {
    return this.read.get(market);
  }

  /** Drops symbols whose target sets the caller found empty (unless marked within the grace). */
  async prune(market: MarketType, symbols: readonly string[]): Promise<number> {
    if (symbols.length === 0) return 0;
    const removed = await runScript<string[]>(
      this.redis,
      'alert-symbol-prune',
      [this.keys.checkedSymbols(market)],
      [this.graceMs, ...symbols],
    );
    for (const symbol of removed) this.read.get(market)?.delete(symbol);
    return removed.length;
  }

  /** Drops the symbols among `symbols` whose target sets are empty now (after a delete, a cleanup). */
  async pruneIfEmpty(market: MarketType, symbols: readonly string[]): Promise<number> {
    const counts = await this.targetCounts(market, symbols);
    return this.prune(
      market,
      symbols.filter((_, i) => counts[i] === 0),
    );
  }

  /** Marks the symbols that ever had alerts and still hold some, then the index as built. */
  private async rebuild(market: MarketType): Promise<string[]> {
    const prefix = `${market}:`;
    const symbols = (await this.redis.smembers(this.keys.symbolsWithAlerts))
      .filter((area) => area.startsWith(prefix))
      .map((area) => area.slice(prefix.length));
    const counts = await this.targetCounts(market, symbols);
    const held = symbols.filter((_, i) => (counts[i] ?? 1) > 0);
    await runScript(this.redis, 'alert-symbol-mark', [this.keys.checkedSymbols(market)], [...held, BUILT]);
    return held;
  }

  /** Alerts in each symbol's above and below target sets. */
  private async targetCounts(market: MarketType, symbols: readonly string[]): Promise<number[]> {
    if (symbols.length === 0) return [];
    const reads = new SlotPipelines(this.redis);
    for (const symbol of symbols) {
      for (const side of ['above', 'below'] as const) {
        const key = this.keys.targets(market, symbol, side);
        reads.on(key).zcard(key);
      }
    }
    const replies = await reads.exec();
    return symbols.map((_, i) => {
      const [above, below] = [replies[2 * i], replies[2 * i + 1]];
      for (const reply of [above, below]) if (reply?.[0]) throw reply[0];
      return Number(above?.[1] ?? 0) + Number(below?.[1] ?? 0);
    });
  }
}
