import type { Config } from '../../config/types.ts';
import type { SymbolCatalog } from '../../market/symbols/index.ts';
import type { JobDefinition } from '../types.ts';
import { type MaintenanceTarget, maintenanceJob } from './maintenance.ts';
import { warmupSymbolsJob } from './warmup-symbols.ts';

export interface JobDeps {
  config: Config;
  symbols: SymbolCatalog;
  /** The cache service; without it (tests of other jobs) there is no maintenance job. */
  operations?: MaintenanceTarget;
}

/**
 * Every job and schedule of tradecache, declared in one place. Schedulers on the queue that are
 * not in this list are removed at start (a job dropped from code stops running).
 */
export function jobDefinitions(deps: JobDeps): JobDefinition<never>[] {
  const interval = deps.config.symbols.warmupIntervalSec;
  return [
    warmupSymbolsJob('spot', deps.symbols, interval),
    warmupSymbolsJob('futures', deps.symbols, interval),
    ...(deps.operations
      ? [
          maintenanceJob(deps.operations, {
            pattern: deps.config.operations.maintenanceCron,
            tz: deps.config.operations.maintenanceTz,
          }),
        ]
      : []),
  ] as JobDefinition<never>[];
}
