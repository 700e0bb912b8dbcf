import { Command } from 'commander';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { CacheService } from '../../operations/index.ts';
import { jsonOption, printResult } from '../output.ts';

/** Opens the cache service of a one-shot process and how to close it. */
export type OpenCacheService = () => Promise<{ service: CacheService; close(): Promise<void> }>;

type JsonFlag = { json: boolean };

/**
 * `tradecache health`, `tradecache stats`, `tradecache cache cleanup|clear --confirm`: the cache
 * routes for an operator at a shell, printed as indented JSON on stdout (one line with `--json`;
 * logs go to stderr).
 */
export function operationsCommands(open: OpenCacheService): Command[] {
  const withService = async (run: (service: CacheService) => Promise<void>) => {
    const { service, close } = await open();
    try {
      await run(service);
    } finally {
      await close();
    }
  };

  const health = new Command('health')
    .description('cache health: status, Redis info, key counts per cache (exit 1 when unhealthy)')
    .addOption(jsonOption())
    .action((options: JsonFlag) =>
      withService(async (service) => {
        const answer = await service.healthCheck();
        printResult(options, answer);
        if (answer.status === 'unhealthy') {
          throw new TradecacheError(
            ErrorCodes.REDIS_UNAVAILABLE,
            `cache is unhealthy: ${answer.warnings.join('; ')}`,
          );
        }
      }),
    );

  const stats = new Command('stats')
    .description('our keys per area and cache namespace, symbols cached, hit rates of every process')
    .addOption(jsonOption())
    .action((options: JsonFlag) =>
      withService(async (service) => printResult(options, await service.getCacheSummary())),
    );

  const cache = new Command('cache').description('cache maintenance');
  cache
    .command('cleanup')
    .description('remove expired data now (dangling session entries and every registered step)')
    .addOption(jsonOption())
    .action((options: JsonFlag) =>
      withService(async (service) => printResult(options, await service.cleanupExpiredData())),
    );
  cache
    .command('clear')
    .description('remove every cache key (never users, sessions, preferences, alerts, queues)')
    .option('--confirm', 'required: without it nothing is deleted', false)
    .addOption(jsonOption())
    .action((options: { confirm: boolean } & JsonFlag) => {
      if (!options.confirm) {
        // Refused before Redis is even opened: exit 2, nothing touched.
        throw new TradecacheError(
          ErrorCodes.VALIDATION_FAILED,
          'cache clear deletes every cache key: add --confirm to do it',
        );
      }
      return withService(async (service) => printResult(options, await service.clearAllCache()));
    });

  return [health, stats, cache];
}
