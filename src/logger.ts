import { type Logger, pino } from 'pino';
import type { SecretScrubber } from './config/redact.ts';
import type { LogLevel } from './config/types.ts';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  scrubber: SecretScrubber;
  /** Where lines go; stdout by default. Tests pass a collector to search the logs for secrets. */
  write?: (line: string) => void;
}

/**
 * A pino logger whose every serialized line passes through the secret scrubber, so no field,
 * message or error stack can leak a password, whatever code logs it.
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    { write: (line: string) => write(options.scrubber.scrub(line)) },
  );
}
