/**
 * The least-privilege Redis ACL user of a deployment: our keys, our pub/sub channels, and every
 * command but the dangerous ones (FLUSHALL, KEYS, CONFIG, DEBUG, SHUTDOWN, MONITOR, SLOWLOG, ...)
 * plus INFO, which BullMQ and our health checks read. The patterns come from the key registry, so
 * the user reaches what this deployment writes and nothing of another prefix.
 */
import { createHash } from 'node:crypto';
import { createKeys } from './keys/index.ts';

/** The commands of the ACL user, in ACL SETUSER syntax. */
export const ACL_COMMAND_RULES = ['+@all', '-@dangerous', '+info'] as const;

/** Key and channel patterns (`~...`, `&...`) of the deployment with key prefix `prefix`. */
export function aclPatternRules(prefix: string): string[] {
  const keys = createKeys(prefix);
  const own = `${keys.root}:*`;
  // BullMQ's keys start with its hash-tagged prefix, not with `<root>:`.
  const rules = [`~${own}`, `~${keys.bullPrefix}*`];
  // With an empty prefix the keys shared with the Python platform have no root of their own.
  if (prefix === '') {
    const symbols = keys.symbols.cache('spot').split(':').slice(0, 2).join(':');
    const metrics = keys.metrics.cacheHit('x').split(':')[0];
    rules.push(`~${symbols}:*`, `~${metrics}:*`);
  }
  // Every channel of ours (cache bus, market updates, alert notifications) is under the root.
  rules.push('resetchannels', `&${own}`);
  return rules;
}

/** Stands for the password in a printed line when none is configured (to be replaced by hand). */
export const ACL_PASSWORD_PLACEHOLDER = '><password>';

/**
 * `ACL SETUSER` arguments for `user`. With a password, its SHA-256 (`#<hex>`): the line can be
 * printed and stored without the password itself; without one, a placeholder (never `nopass`).
 */
export function aclSetUserArgs(options: { prefix: string; user: string; password: string | null }): string[] {
  const secret =
    options.password === null
      ? ACL_PASSWORD_PLACEHOLDER
      : `#${createHash('sha256').update(options.password, 'utf8').digest('hex')}`;
  return [
    'SETUSER',
    options.user,
    'reset',
    'on',
    secret,
    ...aclPatternRules(options.prefix),
    ...ACL_COMMAND_RULES,
  ];
}
