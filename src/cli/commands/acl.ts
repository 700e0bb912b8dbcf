import { Command } from 'commander';
import type { Config } from '../../config/types.ts';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { ACL_PASSWORD_PLACEHOLDER, aclSetUserArgs } from '../../redis/acl.ts';
import { jsonOption, printResult } from '../output.ts';

/** The ACL user name when neither `--user` nor REDIS_USERNAME (or a URL's user) names one. */
const DEFAULT_ACL_USER = 'tradecache';

/** The configured user and password of the Redis connection (REDIS_HOST/URL or Sentinel master). */
function configuredAuth(config: Config): { user: string | null; password: string | null } {
  const { sentinel, url } = config.redis;
  if (sentinel) return { user: sentinel.username, password: sentinel.password };
  if (url === null) return { user: null, password: null };
  const parsed = new URL(url);
  return {
    user: parsed.username === '' ? null : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? null : decodeURIComponent(parsed.password),
  };
}

/**
 * `tradecache acl`: prints the `ACL SETUSER` line of the least-privilege Redis user of this
 * deployment (its REDIS_KEY_PREFIX): our keys and channels, every command but `@dangerous`, plus
 * INFO. The password goes in as its SHA-256 (`#<hex>`), never in clear; without a configured
 * password the line holds a placeholder to replace.
 */
export function aclCommand(config: () => Config): Command {
  return new Command('acl')
    .description(
      'print the ACL SETUSER line of a least-privilege Redis user for this REDIS_KEY_PREFIX (run it in redis-cli as an admin)',
    )
    .option('--user <name>', `ACL user name (default: REDIS_USERNAME, else ${DEFAULT_ACL_USER})`)
    .addOption(jsonOption())
    .action((options: { user?: string; json: boolean }) => {
      const cfg = config();
      const auth = configuredAuth(cfg);
      const user = options.user ?? auth.user ?? DEFAULT_ACL_USER;
      if (!/^[!-~]{1,128}$/.test(user)) {
        throw new TradecacheError(
          ErrorCodes.VALIDATION_FAILED,
          '--user: expected 1-128 printable characters without spaces',
        );
      }
      const args = aclSetUserArgs({ prefix: cfg.redis.keyPrefix, user, password: auth.password });
      printResult(
        options,
        { user, prefix: cfg.redis.keyPrefix, args: ['ACL', ...args] },
        () => `ACL ${args.join(' ')}`,
      );
      process.stderr.write(
        auth.password === null
          ? `tradecache: replace ${ACL_PASSWORD_PLACEHOLDER} with the user's password (keep the >), then set REDIS_USERNAME=${user} and REDIS_PASSWORD\n`
          : `tradecache: the password is given as its SHA-256; set REDIS_USERNAME=${user}; persist the user with ACL SAVE (aclfile) or CONFIG REWRITE\n`,
      );
    });
}
