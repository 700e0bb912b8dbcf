import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Kline, KlineInterval, MarketType } from '../trading/index.ts';
import { alignDown } from '../trading/index.ts';
import { storeFailed, writeFileAtomic } from './atomic-file.ts';
import { formatKlinesCsv, parseKlinesCsvYielding } from './kline-csv.ts';
import type { HistoryCacheInfo, HistoryEntryMeta, HistoryRequest } from './store-types.ts';

const DAY_MS = 86_400_000;
const KEY = /^[0-9a-f]{32}$/;
const META_SUFFIX = '_meta.json';

export interface HistoryStoreOptions {
  /** Directory of the store, e.g. `<dataDir>/history`; created on first write. */
  readonly dir: string;
  /** Clock (epoch ms), injectable for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * The historical kline file store (the Python platform's DataCache): one `<key>.csv` (12 Binance columns
 * with a header) and one `<key>_meta.json` per stored range, key = MD5 of
 * `symbol_interval_start_end_marketType`. The meta file is written last and is the commit
 * point: a CSV without meta is ignored. File names come only from the hex key.
 */
export class HistoryStore {
  readonly dir: string;
  private readonly now: () => number;
  /** Per-key tail of the write chain: in-process writers of one key run one after another. */
  private readonly writing = new Map<string, Promise<unknown>>();

  constructor(options: HistoryStoreOptions) {
    this.dir = path.resolve(options.dir);
    this.now = options.now ?? Date.now;
  }

  /** MD5 of `symbol_interval_startISO_endISO_marketType`, as the Python platform builds it. */
  static keyFor(req: HistoryRequest): string {
    const raw = `${req.symbol}_${req.interval}_${new Date(req.start).toISOString()}_${new Date(req.end).toISOString()}_${req.market}`;
    return createHash('md5').update(raw).digest('hex');
  }

  /**
   * The Python platform's validity: a range ending within one day of now is valid for 24 h after caching;
   * older ranges stay valid forever. "Now" is the caching time: judged at read time the rule
   * could never expire anything (24 h after caching, a range that ended by then is a day old).
   */
  isValid(meta: HistoryEntryMeta): boolean {
    const recent = meta.end > meta.cachedAt - DAY_MS;
    return !recent || this.now() - meta.cachedAt < DAY_MS;
  }

  /** True when this exact range is stored, valid and intact. */
  async isCached(req: HistoryRequest): Promise<boolean> {
    return (await this.getCachedData(req)) !== null;
  }

  /** The candles of this exact range, or null when missing, expired or corrupt. */
  async getCachedData(req: HistoryRequest): Promise<Kline[] | null> {
    const meta = await this.readMeta(HistoryStore.keyFor(req));
    if (!meta || !this.isValid(meta)) return null;
    return this.readEntry(meta);
  }

  /**
   * Stores candles for a range. Rows outside [start, end) and the still-open candle
   * (closeTime >= now) are left out; `coveredEnd` records where final data stops.
   */
  async cacheData(req: HistoryRequest, klines: readonly Kline[]): Promise<HistoryEntryMeta> {
    const key = HistoryStore.keyFor(req);
    const previous = this.writing.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.write(key, req, klines));
    this.writing.set(key, run);
    try {
      return await run;
    } finally {
      if (this.writing.get(key) === run) this.writing.delete(key);
    }
  }

  private async write(key: string, req: HistoryRequest, klines: readonly Kline[]): Promise<HistoryEntryMeta> {
    const now = this.now();
    const openFrom = alignDown(req.interval, now);
    const rows = klines.filter(
      (k) => k.openTime >= req.start && k.openTime < req.end && k.closeTime < now && k.openTime < openFrom,
    );
    const csv = formatKlinesCsv(rows);
    const meta: HistoryEntryMeta = {
      version: 1,
      key,
      symbol: req.symbol,
      interval: req.interval,
      start: req.start,
      end: req.end,
      coveredEnd: Math.max(req.start, Math.min(req.end, openFrom)),
      marketType: req.market,
      cachedAt: now,
      rows: rows.length,
      sha256: createHash('sha256').update(csv).digest('hex'),
      bytes: Buffer.byteLength(csv),
      timeUnit: 'ms',
    };
    await writeFileAtomic(this.dir, `${key}.csv`, csv);
    await writeFileAtomic(this.dir, `${key}${META_SUFFIX}`, `${JSON.stringify(meta, null, 2)}\n`);
    return meta;
  }

  /** Valid entries of one series, for assembling a request from stored pieces. */
  async listEntries(series: {
    symbol: string;
    interval: KlineInterval;
    market: MarketType;
  }): Promise<HistoryEntryMeta[]> {
    const all = await this.allMetas();
    return all.filter(
      (m) =>
        m.symbol === series.symbol &&
        m.interval === series.interval &&
        m.marketType === series.market &&
        this.isValid(m),
    );
  }

  /**
   * Reads an entry's candles after checking the CSV against the meta checksum. On mismatch the
   * meta is read once more (a writer in another process may have just replaced both files); if
   * it still does not match, both files are moved to `corrupt/` and null is returned.
   */
  async readEntry(meta: HistoryEntryMeta): Promise<Kline[] | null> {
    const bytes = await this.readEntryBytes(meta);
    // Parsed a slice at a time: a year of 1m candles must not hold the event loop.
    return bytes ? parseKlinesCsvYielding(bytes) : null;
  }

  /**
   * An entry's checked CSV bytes (see {@link readEntry}), for readers that parse a slice at a
   * time instead of holding every candle of a large entry at once.
   */
  async readEntryBytes(meta: HistoryEntryMeta): Promise<Buffer | null> {
    let current: HistoryEntryMeta | null = meta;
    for (let attempt = 0; attempt < 2 && current; attempt++) {
      const bytes = await this.readIfExists(path.join(this.dir, `${current.key}.csv`));
      if (bytes && createHash('sha256').update(bytes).digest('hex') === current.sha256) {
        return bytes;
      }
      const again: HistoryEntryMeta | null = await this.readMeta(meta.key);
      // Both files gone: the entry was removed (replaced by a merged one), not damaged.
      if (!again && !bytes) return null;
      if (!again || again.sha256 === current.sha256) break;
      current = again;
    }
    await this.moveAside(meta.key);
    return null;
  }

  /** Deletes one entry (used when a merged entry replaces its pieces). */
  async removeEntry(key: string): Promise<void> {
    if (!KEY.test(key)) return;
    // Meta first: without it the entry no longer exists for readers.
    await rm(path.join(this.dir, `${key}${META_SUFFIX}`), { force: true });
    await rm(path.join(this.dir, `${key}.csv`), { force: true });
  }

  /** Removes every stored entry (and leftover temp files); returns how many files went. */
  async clearCache(): Promise<{ removedFiles: number }> {
    let removed = 0;
    for (const name of await this.listDir(this.dir)) {
      if (name === 'corrupt') continue;
      try {
        await rm(path.join(this.dir, name), { force: true });
        removed++;
      } catch (err) {
        throw storeFailed(this.dir, 'clear the cache', err);
      }
    }
    return { removedFiles: removed };
  }

  /** File count, symbols and total bytes of the store (the Python platform's get_cache_info). */
  async getCacheInfo(): Promise<HistoryCacheInfo> {
    const names = await this.listDir(this.dir);
    let files = 0;
    let totalBytes = 0;
    for (const name of names) {
      if (!name.endsWith('.csv') && !name.endsWith(META_SUFFIX)) continue;
      const info = await stat(path.join(this.dir, name)).catch(() => null);
      if (!info?.isFile()) continue;
      files++;
      totalBytes += info.size;
    }
    const metas = await this.allMetas();
    const corrupt = await this.listDir(path.join(this.dir, 'corrupt'));
    return {
      dir: this.dir,
      files,
      entries: metas.length,
      symbols: [...new Set(metas.map((m) => m.symbol))].sort(),
      totalBytes,
      corruptFiles: corrupt.length,
    };
  }

  private async allMetas(): Promise<HistoryEntryMeta[]> {
    const metas: HistoryEntryMeta[] = [];
    for (const name of await this.listDir(this.dir)) {
      if (!name.endsWith(META_SUFFIX)) continue;
      const meta = await this.readMeta(name.slice(0, -META_SUFFIX.length));
      if (meta) metas.push(meta);
    }
    return metas;
  }

  private async readMeta(key: string): Promise<HistoryEntryMeta | null> {
    if (!KEY.test(key)) return null;
    const bytes = await this.readIfExists(path.join(this.dir, `${key}${META_SUFFIX}`));
    if (!bytes) return null;
    try {
      const meta = JSON.parse(bytes.toString('utf8')) as HistoryEntryMeta;
      if (meta.key !== key || typeof meta.sha256 !== 'string') throw new Error('meta does not match its key');
      return meta;
    } catch {
      await this.moveAside(key);
      return null;
    }
  }

  private async moveAside(key: string): Promise<void> {
    const corruptDir = path.join(this.dir, 'corrupt');
    const stamp = this.now();
    try {
      await mkdir(corruptDir, { recursive: true });
      for (const suffix of [META_SUFFIX, '.csv']) {
        await rename(
          path.join(this.dir, `${key}${suffix}`),
          path.join(corruptDir, `${key}.${stamp}${suffix}`),
        ).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
    } catch (err) {
      throw storeFailed(this.dir, 'move a corrupt entry aside', err);
    }
  }

  private async readIfExists(file: string): Promise<Buffer | null> {
    try {
      return await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw storeFailed(path.dirname(file), 'read', err);
    }
  }

  private async listDir(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      throw storeFailed(dir, 'list files', err);
    }
  }
}
