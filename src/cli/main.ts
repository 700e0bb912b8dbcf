import { Command, CommanderError } from 'commander';
import type { AppOptions } from '../app.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { packageVersion } from '../package-version.ts';
import { assertMarket, MARKET_TYPES } from '../trading/index.ts';
import { alertsCommand } from './commands/alerts.ts';
import { historyCommand } from './commands/history.ts';
import { marketCommand } from './commands/market.ts';
import { operationsCommands } from './commands/operations.ts';
import { usersCommand } from './commands/users.ts';
import { EXIT_FAILURE, EXIT_USAGE, exitCodeFor, printError } from './exit.ts';
import type { ServeOptions } from './serve.ts';

/** Config from the environment; `demo` forces the simulated exchange. */
function config(overrides: Record<string, string> = {}): Config {
  return loadConfig(process.env, overrides);
}

// The object graph, the HTTP server and the Redis probe are imported when a command needs them:
// loading all of them takes over a second, which `--version` and `--help` should not wait for.
async function createApp(config: Config, options: AppOptions) {
  return (await import('../app.ts')).createApp(config, options);
}
async function serve(config: Config, options: ServeOptions) {
  return (await import('./serve.ts')).serve(config, options);
}

export function buildProgram(): Command {
  const program = new Command('tradecache')
    .description('Redis-backed cache and messaging layer of a crypto trading platform')
    .version(packageVersion(), '-V, --version', 'print the version of tradecache')
    .showHelpAfterError()
    .exitOverride();

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
      await serve(config({ EXCHANGE: 'simulated' }), { role: 'start', loginLink: true });
    });

  program
    .command('ping')
    .description(
      'PING Redis: latency, server version and mode, and the master found through Sentinel (exit 1 with the reason when unreachable)',
    )
    .action(async () => {
      const { formatPing, pingRedis } = await import('./ping.ts');
      process.stdout.write(`${formatPing(await pingRedis(config()))}\n`);
    });

  program
    .command('warmup')
    .description('Refresh the cached symbol list of a market now')
    .argument('<market>', `one of ${MARKET_TYPES.join(', ')}`)
    .action(async (raw: string) => {
      const market = assertMarket(raw);
      const ctx = await createApp(config(), { role: 'tool' });
      try {
        const listing = await ctx.symbols.warmup(market);
        const first = listing.symbols.slice(0, 3).map((s) => s.symbol);
        process.stdout.write(
          `${market}: ${listing.symbols.length} symbols cached (${first.join(', ')}, ...)\n`,
        );
      } finally {
        await ctx.close();
      }
    });

  program.addCommand(
    marketCommand(async () => {
      const ctx = await createApp(config(), { role: 'tool' });
      return { market: ctx.market, close: () => ctx.close() };
    }),
  );
  program.addCommand(
    historyCommand(async () => (await import('../app-tools.ts')).createHistoryTools(config())),
  );
  for (const command of operationsCommands(async () => {
    // Logs to stderr: stdout is the command's JSON.
    const ctx = await createApp(config(), { role: 'tool', logWrite: (line) => process.stderr.write(line) });
    return { service: ctx.operations.service, close: () => ctx.close() };
  })) {
    program.addCommand(command);
  }
  program.addCommand(
    usersCommand(async () => {
      const ctx = await createApp(config(), { role: 'tool' });
      return { users: ctx.sessions.users, close: () => ctx.close() };
    }),
  );
  program.addCommand(
    alertsCommand(async () => {
      // Logs to stderr: stdout is the listing (and valid JSON with --json).
      const ctx = await createApp(config(), { role: 'tool', logWrite: (line) => process.stderr.write(line) });
      return { alerts: ctx.alerts, close: () => ctx.close() };
    }),
  );

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
      // --help and --version "fail" with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    printError(err);
    return exitCodeFor(err) ?? EXIT_FAILURE;
  }
}
