import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
// The modules themselves, not history/index.ts: that one loads the whole store for `--help`.
import { parseArchiveFileName } from '../../history/archive-import.ts';
import { parseRange } from '../../history/dates.ts';
import type { BacktestService, FetchProgress, HistoryStore } from '../../history/index.ts';
import { assertInterval, assertMarket, assertSymbol } from '../../trading/index.ts';
import { exchangeOption } from '../exchange-choice.ts';
import { jsonOption, printResult } from '../output.ts';

/** What the history commands need; opened only after the arguments have been checked. */
export interface HistoryCommandDeps {
  store: HistoryStore;
  backtest: BacktestService;
  close(): Promise<void>;
}

/** `fetches`: the command asks the exchange (history fetch); `exchange`: its `--exchange` flag. */
export interface HistoryOpenOptions {
  fetches?: boolean;
  exchange?: string;
}

/** Where the commands write: results on `out`, the progress bar on `err`. */
export interface HistoryCommandIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const marketOption = () =>
  new Option('--market <market>', 'spot or futures').choices(['spot', 'futures']).default('spot');

/**
 * `tradecache history fetch|info|clear|import`. Bad input throws a TradecacheError
 * (HISTORY_RANGE_INVALID, EXCHANGE_INVALID_*, VALIDATION_FAILED) before anything is opened.
 */
export function historyCommand(
  open: (options: HistoryOpenOptions) => Promise<HistoryCommandDeps>,
  io: HistoryCommandIo = { out: process.stdout, err: process.stderr },
): Command {
  const withDeps = async <T>(
    fn: (deps: HistoryCommandDeps) => Promise<T>,
    options: HistoryOpenOptions = {},
  ): Promise<T> => {
    const deps = await open(options);
    try {
      return await fn(deps);
    } finally {
      await deps.close();
    }
  };

  const history = new Command('history').description('historical klines: fetch, import, inspect, clear');

  history
    .command('fetch')
    .description('fetch candles into the store; an interrupted fetch resumes where it stopped')
    .argument('<symbol>', 'e.g. BTCUSDT')
    .argument('<interval>', 'e.g. 1m, 1h, 1d')
    .requiredOption('--from <time>', 'start, ISO 8601 (UTC unless an offset is given) or epoch ms')
    .requiredOption('--to <time>', 'end (exclusive), ISO 8601 or epoch ms')
    .addOption(marketOption())
    .addOption(exchangeOption())
    .addOption(jsonOption())
    .action(
      async (
        rawSymbol: string,
        rawInterval: string,
        opts: { from: string; to: string; market: string; exchange?: string; json: boolean },
      ) => {
        const symbol = assertSymbol(rawSymbol);
        const interval = assertInterval(rawInterval);
        const market = assertMarket(opts.market);
        const range = parseRange(opts.from, opts.to);
        await withDeps(
          async ({ backtest }) => {
            const controller = new AbortController();
            const onSigint = () => controller.abort();
            process.once('SIGINT', onSigint);
            const bar = progressBar(io.err);
            try {
              const rows = await backtest.getHistoricalData(
                symbol,
                interval,
                range.start,
                range.end,
                market,
                {
                  signal: controller.signal,
                  onProgress: bar.update,
                },
              );
              bar.stop();
              printResult(
                opts,
                {
                  symbol,
                  interval,
                  market,
                  candles: rows.length,
                  from: iso(range.start),
                  to: iso(range.end),
                },
                () =>
                  `${symbol} ${interval} ${market}: ${rows.length} candles stored for ${iso(range.start)} .. ${iso(range.end)}`,
                io.out,
              );
            } finally {
              bar.stop();
              process.removeListener('SIGINT', onSigint);
            }
          },
          { fetches: true, ...(opts.exchange === undefined ? {} : { exchange: opts.exchange }) },
        );
      },
    );

  history
    .command('info')
    .description('files, symbols and bytes in the store (indented JSON; one line with --json)')
    .addOption(jsonOption())
    .action(async (opts: { json: boolean }) => {
      await withDeps(async ({ store }) => {
        printResult(opts, await store.getCacheInfo(), undefined, io.out);
      });
    });

  history
    .command('clear')
    .description('delete every stored kline file')
    .addOption(jsonOption())
    .action(async (opts: { json: boolean }) => {
      await withDeps(async ({ store }) => {
        const { removedFiles } = await store.clearCache();
        printResult(opts, { removedFiles }, () => `removed ${removedFiles} files`, io.out);
      });
    });

  history
    .command('import')
    .description('import a data.binance.vision kline archive (.zip or .csv)')
    .argument('<file>', 'e.g. BTCUSDT-1m-2024-01-01.zip (symbol and interval are read from the name)')
    .option('--symbol <symbol>', 'symbol, when the file name does not say')
    .option('--interval <interval>', 'interval, when the file name does not say')
    .addOption(
      new Option('--market <market>', 'spot or futures (default: from the path, else spot)').choices([
        'spot',
        'futures',
      ]),
    )
    .addOption(jsonOption())
    .action(async (file: string, opts: ImportFlags) => {
      if (opts.symbol !== undefined) assertSymbol(opts.symbol);
      if (opts.interval !== undefined) assertInterval(opts.interval);
      // The file first: a missing file is named as such, not blamed on its name.
      await assertReadableFile(file);
      if (!parseArchiveFileName(file) && (opts.symbol === undefined || opts.interval === undefined)) {
        throw new TradecacheError(
          ErrorCodes.HISTORY_IMPORT_INVALID,
          `${file}: the name does not say the symbol and interval (SYMBOL-interval-YYYY-MM[-DD].zip): add --symbol and --interval`,
        );
      }
      const { json: _json, ...importOptions } = opts;
      await withDeps(async ({ backtest }) => {
        const meta = await backtest.importArchive(file, importOptions);
        printResult(
          opts,
          { ...meta, start: iso(meta.start), end: iso(meta.end) },
          () =>
            `imported ${meta.rows} candles: ${meta.symbol} ${meta.interval} ${meta.marketType} ${iso(meta.start)} .. ${iso(meta.end)}`,
          io.out,
        );
      });
    });

  return history;
}

interface ImportFlags {
  symbol?: string;
  interval?: string;
  market?: string;
  json: boolean;
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'no such file',
};

/** `cannot read <file>: no such file` (exit 2): the path as the user typed it, and why. */
async function assertReadableFile(file: string): Promise<void> {
  let problem: string | null = null;
  try {
    if (!(await stat(file)).isFile()) problem = 'not a file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    problem = FILE_PROBLEMS[code] ?? code.toLowerCase();
  }
  if (problem !== null) {
    throw new TradecacheError(ErrorCodes.HISTORY_IMPORT_INVALID, `cannot read ${file}: ${problem}`);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Rows, rate and ETA on stderr; rate counts rows fetched in this run, not those already stored. */
function progressBar(stream: NodeJS.WritableStream) {
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: 'fetch [{bar}] {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let firstRows = 0;
  const t0 = Date.now();
  return {
    update: (p: FetchProgress) => {
      if (!started) {
        started = true;
        firstRows = p.fetchedRows;
        bar.start(p.expectedRows, p.fetchedRows, { rate: 0 });
        return;
      }
      const seconds = Math.max((Date.now() - t0) / 1000, 0.001);
      bar.update(Math.min(p.fetchedRows, p.expectedRows), {
        rate: Math.round((p.fetchedRows - firstRows) / seconds),
      });
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
