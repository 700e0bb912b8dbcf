import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { ExchangeClient, Kline, MarketType } from '../trading/index.ts';
import { alignDown, assertInterval, assertMarket, assertSymbol, expectedCandles } from '../trading/index.ts';
import { parseArchiveFileName, readArchiveKlines } from './archive-import.ts';
import { chooseCovering, mergeKlines, missingSpans } from './coverage.ts';
import { parseRange, type TimeRange } from './dates.ts';
import { HistoryStore } from './history-store.ts';
import { abortableSleep, DEFAULT_WEIGHT_LIMITS, fetchSpanPages, type Sleep } from './kline-pager.ts';
import { SharedFlights } from './shared-flight.ts';
import {
  type BacktestResult,
  checkSmaParams,
  runSmaCrossover,
  type SmaCrossoverParams,
} from './sma-backtest.ts';
import type { HistoryEntryMeta, HistoryRequest } from './store-types.ts';
import { coverageOf, readStoredKlines } from './stored-reader.ts';

/** Progress of one historical fetch; rows already stored count as fetched. */
export interface FetchProgress {
  readonly fetchedRows: number;
  readonly expectedRows: number;
  readonly requests: number;
}

export interface HistoryFetchOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FetchProgress) => void;
}

export interface BacktestServiceOptions {
  readonly exchange: ExchangeClient;
  readonly store: HistoryStore;
  /** @default Date.now */
  readonly now?: () => number;
  /** Injectable for tests; must reject when the signal fires. */
  readonly sleep?: Sleep;
  /** REQUEST_WEIGHT per minute by market. @default { spot: 6000, futures: 2400 } */
  readonly weightLimits?: Partial<Record<MarketType, number>>;
  /** Used-weight fraction at which fetching waits for the next minute. @default 0.8 */
  readonly weightThreshold?: number;
  /** Widest range accepted. @default 1830 */
  readonly maxRangeDays?: number;
  /** Pages fetched before progress is written to the store. @default 10 */
  readonly pagesPerChunk?: number;
}

export interface ImportOptions {
  readonly symbol?: string;
  readonly interval?: string;
  readonly market?: string;
}

/**
 * Historical candles for backtests (the Python platform's BacktestService): served from the store when
 * stored, else fetched page by page from the exchange (only the missing spans), stored in
 * chunks as it goes, and merged by open time. Only closed candles are returned.
 */
export class BacktestService {
  private readonly exchange: ExchangeClient;
  readonly store: HistoryStore;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly options: BacktestServiceOptions;
  /**
   * In-process single flight: concurrent callers of one range share one exchange pass, which
   * stops only when the last of them leaves (their signals).
   */
  private readonly inFlight = new SharedFlights<Kline[]>();
  /** Same for {@link ensureStored}, which keeps nothing in memory. */
  private readonly filling = new SharedFlights<void>();

  constructor(options: BacktestServiceOptions) {
    this.options = options;
    this.exchange = options.exchange;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /**
   * Checks and normalises a request; throws HISTORY_RANGE_INVALID, EXCHANGE_INVALID_INTERVAL,
   * EXCHANGE_INVALID_SYMBOL or VALIDATION_FAILED before anything is fetched or written.
   */
  parseRequest(
    symbol: unknown,
    interval: unknown,
    start: unknown,
    end: unknown,
    market: unknown,
  ): HistoryRequest {
    const range = parseRange(start, end, { maxRangeDays: this.options.maxRangeDays });
    return {
      symbol: assertSymbol(symbol),
      interval: assertInterval(interval),
      market: assertMarket(market ?? 'spot'),
      start: range.start,
      end: range.end,
    };
  }

  /** Closed candles with open time in [start, end). `start`/`end`: ISO 8601 or epoch ms. */
  async getHistoricalData(
    symbol: string,
    interval: string,
    start: string | number,
    end: string | number,
    market: string = 'spot',
    options: HistoryFetchOptions = {},
  ): Promise<Kline[]> {
    const req = this.parseRequest(symbol, interval, start, end, market);
    return this.inFlight.join(
      HistoryStore.keyFor(req),
      (signal) => this.load(req, { ...options, signal }),
      options.signal,
    );
  }

  /**
   * True when answering `req` needs the exchange: part of its closed range is not stored. What
   * is stored is answered from disk, which costs no request weight.
   */
  async needsFetch(req: HistoryRequest): Promise<boolean> {
    const wanted = this.closedPart(req);
    if (wanted.end <= wanted.start) return false;
    const entries = await this.store.listEntries(req);
    return missingSpans(wanted, entries.map(coverageOf)).length > 0;
  }

  /**
   * Fetches and stores the missing spans of `req` without keeping the candles in memory (for
   * answers streamed from the store). Shared with concurrent callers of the same range.
   */
  async ensureStored(req: HistoryRequest, signal?: AbortSignal): Promise<void> {
    await this.filling.join(
      HistoryStore.keyFor(req),
      async (shared) => {
        const wanted = this.closedPart(req);
        if (wanted.end <= wanted.start) return;
        const entries = await this.store.listEntries(req);
        const progress = { fetchedRows: 0, expectedRows: 0, requests: 0 };
        for (const gap of missingSpans(wanted, entries.map(coverageOf))) {
          await this.fetchGap(req, gap, null, progress, { signal: shared });
        }
      },
      signal,
    );
  }

  /**
   * The stored candles of `req`, oldest first, in slices of about `sliceRows`, never all in
   * memory at once. Call {@link ensureStored} first (see {@link readStoredKlines}).
   */
  readStored(req: HistoryRequest, sliceRows = 1000, signal?: AbortSignal): AsyncGenerator<Kline[]> {
    return readStoredKlines(this, req, sliceRows, signal);
  }

  /** Runs the SMA crossover over the candles of a range. */
  async runBacktest(
    symbol: string,
    interval: string,
    start: string | number,
    end: string | number,
    market: string,
    params: SmaCrossoverParams,
    options: HistoryFetchOptions = {},
  ): Promise<BacktestResult> {
    checkSmaParams(params);
    const candles = await this.getHistoricalData(symbol, interval, start, end, market, options);
    return runSmaCrossover(candles, params);
  }

  /**
   * Stores a data.binance.vision archive (zip or csv). Symbol and interval come from the file
   * name unless given; the stored range is the file's day or month.
   */
  async importArchive(file: string, options: ImportOptions = {}): Promise<HistoryEntryMeta> {
    const info = parseArchiveFileName(file);
    const symbol = assertSymbol(options.symbol ?? info?.symbol);
    const interval = assertInterval(options.interval ?? info?.interval);
    const market = assertMarket(options.market ?? info?.market ?? 'spot');
    const klines = await readArchiveKlines(file);
    if (klines.length === 0 && !info) {
      throw new TradecacheError(ErrorCodes.HISTORY_IMPORT_INVALID, 'archive holds no candles');
    }
    const first = klines[0];
    const last = klines[klines.length - 1];
    const start = info?.start ?? first!.openTime;
    const end = info?.end ?? last!.closeTime + 1;
    return this.store.cacheData({ symbol, interval, market, start, end }, klines);
  }

  getCacheInfo() {
    return this.store.getCacheInfo();
  }

  clearCache() {
    return this.store.clearCache();
  }

  /** The part of `req` already closed: the candle containing `now` is never fetched or returned. */
  closedPart(req: HistoryRequest): TimeRange {
    return { start: req.start, end: Math.min(req.end, alignDown(req.interval, this.now())) };
  }

  private async load(req: HistoryRequest, options: HistoryFetchOptions): Promise<Kline[]> {
    const wanted = this.closedPart(req);
    if (wanted.end <= wanted.start) return [];
    const entries = await this.store.listEntries(req);
    const pieces = chooseCovering(wanted, entries.map(coverageOf));
    const lists: Kline[][] = [];
    const covered: TimeRange[] = [];
    for (const piece of pieces) {
      const rows = await this.store.readEntry(piece.meta);
      if (!rows) continue; // corrupt: moved aside, its span is fetched again below
      lists.push(rows);
      covered.push(piece);
    }
    const progress = {
      fetchedRows: lists.reduce((n, l) => n + l.length, 0),
      expectedRows: expectedCandles(req.interval, wanted.start, wanted.end),
      requests: 0,
    };
    options.onProgress?.({ ...progress });
    const gaps = missingSpans(wanted, covered);
    let stored = covered.length;
    for (const gap of gaps) {
      stored += await this.fetchGap(req, gap, lists, progress, options);
    }
    const merged = mergeKlines(lists, wanted);
    if (stored > 1) await this.compact(req, wanted, merged);
    return merged;
  }

  /**
   * Fetches one missing span, storing every `pagesPerChunk` pages; returns entries written.
   * `lists` collects the rows for the caller; null keeps only the chunk being written.
   */
  private async fetchGap(
    req: HistoryRequest,
    gap: TimeRange,
    lists: Kline[][] | null,
    progress: { fetchedRows: number; expectedRows: number; requests: number },
    options: HistoryFetchOptions,
  ): Promise<number> {
    const pagesPerChunk = this.options.pagesPerChunk ?? 10;
    let chunk: Kline[] = [];
    let chunkStart = gap.start;
    let pages = 0;
    let written = 0;
    await fetchSpanPages(
      gap,
      {
        exchange: this.exchange,
        market: req.market,
        symbol: req.symbol,
        interval: req.interval,
        now: this.now,
        sleep: this.sleep,
        weightLimit: this.options.weightLimits?.[req.market] ?? DEFAULT_WEIGHT_LIMITS[req.market],
        weightThreshold: this.options.weightThreshold ?? 0.8,
        signal: options.signal,
      },
      async (rows, coveredUntil) => {
        chunk.push(...rows);
        lists?.push(rows);
        pages++;
        progress.requests++;
        progress.fetchedRows += rows.length;
        options.onProgress?.({ ...progress });
        if (pages % pagesPerChunk === 0 || coveredUntil >= gap.end) {
          await this.store.cacheData({ ...req, start: chunkStart, end: coveredUntil }, chunk);
          written++;
          chunk = [];
          chunkStart = coveredUntil;
        }
      },
    );
    return written;
  }

  /**
   * Replaces the pieces a request was assembled from with one entry for the whole range, so
   * the store does not fill up with small chunk files and the next identical request reads
   * one file. Pieces reaching outside the range are kept.
   */
  private async compact(req: HistoryRequest, wanted: TimeRange, merged: Kline[]): Promise<void> {
    const whole = await this.store.cacheData({ ...req, start: wanted.start, end: wanted.end }, merged);
    for (const meta of await this.store.listEntries(req)) {
      if (meta.key !== whole.key && meta.start >= wanted.start && meta.end <= wanted.end) {
        await this.store.removeEntry(meta.key);
      }
    }
  }
}
