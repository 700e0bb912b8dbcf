import { Command, CommanderError } from 'commander';
import type { AppOptions } from '../app.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { packageVersion } from '../package-version.ts';
import { assertMarket, MARKET_TYPES } from '../trading/index.ts';
import { aclCommand } from './commands/acl.ts';
import { alertsCommand } from './commands/alerts.ts';
import { historyCommand } from './commands/history.ts';
import { marketCommand } from './commands/market.ts';
import { operationsCommands } from './commands/operations.ts';
import { usersCommand } from './commands/users.ts';
import { chooseExchange, describeExchangeChoice, exchangeOption } from './exchange-choice.ts';
import { EXIT_FAILURE, EXIT_USAGE, exitCodeFor, printError } from './exit.ts';
import { jsonOption, printResult } from './output.ts';
import type { ServeOptions } from './serve.ts';
import { applyUsageErrorRules } from './usage-errors.ts';

/** Config from the environment; `demo` forces the simulated exchange. */
function config(overrides: Record<string, string> = {}): Config {
  return loadConfig(process.env, overrides);
}

/**
 * The config of a one-shot command that reaches the exchange (`warmup`, `history fetch`,
 * `market`): its exchange follows `--exchange`, `EXCHANGE`, or the service on the data dir
 * (beside a running demo: the simulated one). Says on stderr which it is.
 */
async function exchangeConfig(flag: string | undefined): Promise<Config> {
  const base = config();
  const choice = await chooseExchange({ flag, env: process.env.EXCHANGE, dataDir: base.dataDir });
  process.stderr.write(describeExchangeChoice(choice));
  return choice.kind === base.exchange.kind ? base : config({ EXCHANGE: choice.kind });
}

// The object graph, the HTTP server and the Redis probe are imported when a command needs them:
// loading all of them takes over a second, which `--version` and `--help` should not wait for.
async function createApp(cfg: Config, options: AppOptions) {
  return (await import('../app.ts')).createApp(cfg, options);
}
async function serve(cfg: Config, options: ServeOptions) {
  return (await import('./serve.ts')).serve(cfg, options);
}

/** The app of a one-shot command: logs on stderr at warn, stdout keeps only the result. */
async function openTool(cfg: Config) {
  const { level, write } = (await import('../app-tools.ts')).oneShotLogging(cfg);
  return createApp(cfg, { role: 'tool', logLevel: level, logWrite: write });
}

export function buildProgram(): Command {
  const program = new Command('tradecache')
    .description('Redis-backed cache and messaging layer of a crypto trading platform')
    .version(packageVersion(), '-V, --version', 'print the version of tradecache');

  program
    .command('start')
    .description('API + worker + schedulers in one process (what `npm start` runs)')
    .action(async () => {
      await serve(config(), { role: 'start' });
    });
  program
    .command('api')
    .description('HTTP API only: fetches from the exchange on a miss, runs no jobs')
    .action(async () => {
      await serve(config(), { role: 'api' });
    });
  program
    .command('worker')
    .description('Background jobs only: worker and schedulers (warmup), no HTTP')
    .action(async () => {
      await serve(config(), { role: 'worker' });
    });
  program
    .command('demo')
    .description(
      '`start` against the built-in simulated exchange (works offline); prints a one-time dashboard login link',
    )
    .action(async () => {
      await serve(config({ EXCHANGE: 'simulated' }), { role: 'start', name: 'demo', loginLink: true });
    });

  program
    .command('ping')
    .description(
      'PING Redis: latency, server version and mode, and the master found through Sentinel (exit 1 with the reason when unreachable)',
    )
    .addOption(jsonOption())
    .action(async (options: { json: boolean }) => {
      const { formatPing, pingRedis } = await import('./ping.ts');
      const result = await pingRedis(config());
      printResult(options, result, () => formatPing(result));
    });

  program
    .command('warmup')
    .description('Refresh the cached symbol list of a market now (says on stderr which exchange it asked)')
    .argument('<market>', `one of ${MARKET_TYPES.join(', ')}`)
    .addOption(exchangeOption())
    .addOption(jsonOption())
    .action(async (raw: string, options: { exchange?: string; json: boolean }) => {
      const market = assertMarket(raw);
      const cfg = await exchangeConfig(options.exchange);
      const ctx = await openTool(cfg);
      try {
        const listing = await ctx.symbols.warmup(market);
        const first = listing.symbols.slice(0, 3).map((s) => s.symbol);
        printResult(
          options,
          {
            market,
            exchange: cfg.exchange.kind,
            count: listing.symbols.length,
            first,
            refreshedAt: listing.refreshedAt,
          },
          () => `${market}: ${listing.symbols.length} symbols cached (${first.join(', ')}, ...)`,
        );
      } finally {
        await ctx.close();
      }
    });

  program.addCommand(aclCommand(() => config()));
  program.addCommand(
    marketCommand(async ({ exchange }) => {
      const ctx = await openTool(await exchangeConfig(exchange));
      return {
        market: ctx.market,
        notifications: async (userId, listener) =>
          (await import('./follow-notifications.ts')).followNotifications(ctx, userId, listener),
        close: () => ctx.close(),
      };
    }),
  );
  program.addCommand(
    historyCommand(async ({ fetches, exchange }) => {
      const cfg = fetches ? await exchangeConfig(exchange) : config();
      return (await import('../app-tools.ts')).createHistoryTools(cfg);
    }),
  );
  for (const command of operationsCommands(async () => {
    const ctx = await openTool(config());
    return { service: ctx.operations.service, close: () => ctx.close() };
  })) {
    program.addCommand(command);
  }
  program.addCommand(
    usersCommand(async () => {
      const ctx = await openTool(config());
      return { users: ctx.sessions.users, close: () => ctx.close() };
    }),
  );
  program.addCommand(
    alertsCommand(async () => {
      const ctx = await openTool(config());
      return { alerts: ctx.alerts, close: () => ctx.close() };
    }),
  );

  applyUsageErrorRules(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; every other commander error is a usage error, already
      // printed as one line.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    printError(err);
    return exitCodeFor(err) ?? EXIT_FAILURE;
  }
}
