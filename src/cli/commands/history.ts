import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { parseRange } from '../../history/dates.ts';
import type { BacktestService, FetchProgress, HistoryStore } from '../../history/index.ts';
import { assertInterval, assertMarket, assertSymbol } from '../../trading/index.ts';

/** What the history commands need; opened only after the arguments have been checked. */
export interface HistoryCommandDeps {
  store: HistoryStore;
  backtest: BacktestService;
  close(): Promise<void>;
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
  open: () => Promise<HistoryCommandDeps>,
  io: HistoryCommandIo = { out: process.stdout, err: process.stderr },
): Command {
  const withDeps = async <T>(fn: (deps: HistoryCommandDeps) => Promise<T>): Promise<T> => {
    const deps = await open();
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
    .action(
      async (rawSymbol: string, rawInterval: string, opts: { from: string; to: string; market: string }) => {
        const symbol = assertSymbol(rawSymbol);
        const interval = assertInterval(rawInterval);
        const market = assertMarket(opts.market);
        const range = parseRange(opts.from, opts.to);
        await withDeps(async ({ backtest }) => {
          const controller = new AbortController();
          const onSigint = () => controller.abort();
          process.once('SIGINT', onSigint);
          const bar = progressBar(io.err);
          try {
            const rows = await backtest.getHistoricalData(symbol, interval, range.start, range.end, market, {
              signal: controller.signal,
              onProgress: bar.update,
            });
            bar.stop();
            io.out.write(
              `${symbol} ${interval} ${market}: ${rows.length} candles stored for ${iso(range.start)} .. ${iso(range.end)}\n`,
            );
          } finally {
            bar.stop();
            process.removeListener('SIGINT', onSigint);
          }
        });
      },
    );

  history
    .command('info')
    .description('files, symbols and bytes in the store')
    .action(async () => {
      await withDeps(async ({ store }) => {
        io.out.write(`${JSON.stringify(await store.getCacheInfo(), null, 2)}\n`);
      });
    });

  history
    .command('clear')
    .description('delete every stored kline file')
    .action(async () => {
      await withDeps(async ({ store }) => {
        const { removedFiles } = await store.clearCache();
        io.out.write(`removed ${removedFiles} files\n`);
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
    .action(async (file: string, opts: { symbol?: string; interval?: string; market?: string }) => {
      if (opts.symbol !== undefined) assertSymbol(opts.symbol);
      if (opts.interval !== undefined) assertInterval(opts.interval);
      await withDeps(async ({ backtest }) => {
        const meta = await backtest.importArchive(file, opts);
        io.out.write(
          `imported ${meta.rows} candles: ${meta.symbol} ${meta.interval} ${meta.marketType} ${iso(meta.start)} .. ${iso(meta.end)}\n`,
        );
      });
    });

  return history;
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
