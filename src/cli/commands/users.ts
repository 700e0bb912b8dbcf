import { Command } from 'commander';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { assertUserId } from '../../redis/keys/index.ts';
import type { UserAccount, UserDirectory } from '../../sessions/index.ts';
import { jsonOption, printResult } from '../output.ts';

/** Opens what the command needs (Redis, directory) and how to close it. */
export type OpenUserDirectory = () => Promise<{ users: UserDirectory; close(): Promise<void> }>;

const listed = (user: UserAccount) => ({ ...user, createdAt: new Date(user.createdAt).toISOString() });

/**
 * `tradecache users add|list|show|revoke`: manages API users. `add` prints the new API key once
 * and nothing else on stdout (`KEY=$(tradecache users add bob)`); only its digest is stored, so
 * it cannot be shown again.
 */
export function usersCommand(open: OpenUserDirectory): Command {
  const users = new Command('users').description('manage API users and their keys');
  const withDirectory = async (run: (directory: UserDirectory) => Promise<void>) => {
    const { users: directory, close } = await open();
    try {
      await run(directory);
    } finally {
      await close();
    }
  };

  users
    .command('add')
    .description('create a user and print their API key (shown once; the only line on stdout)')
    .argument('<userId>', 'user id: 1-64 chars of A-Z a-z 0-9 _ . @ -')
    .option('--admin', 'grant admin rights', false)
    .addOption(jsonOption())
    .action((userId: string, options: { admin: boolean; json: boolean }) => {
      // Checked before Redis is opened: a bad id is exit 2 and touches nothing.
      assertUserId(userId);
      return withDirectory(async (directory) => {
        const apiKey = await directory.addUser(userId, { admin: options.admin });
        printResult(options, { userId, isAdmin: options.admin, apiKey }, () => apiKey);
        process.stderr.write(
          `tradecache: created user ${userId}${options.admin ? ' (admin)' : ''}; its API key is shown once, store it now\n`,
        );
      });
    });

  users
    .command('list')
    .description('list users')
    .addOption(jsonOption())
    .action((options: { json: boolean }) =>
      withDirectory(async (directory) => {
        const list = await directory.listUsers();
        printResult(options, list.map(listed), () =>
          list.length === 0
            ? 'no users'
            : list
                .map(
                  (u) =>
                    `${u.userId}\t${u.isAdmin ? 'admin' : 'user'}\t${new Date(u.createdAt).toISOString()}`,
                )
                .join('\n'),
        );
      }),
    );

  users
    .command('show')
    .description('one user: role and creation time (exit 1 when there is no such user)')
    .argument('<userId>')
    .addOption(jsonOption())
    .action((userId: string, options: { json: boolean }) => {
      assertUserId(userId);
      return withDirectory(async (directory) => {
        const user = await directory.getUser(userId);
        if (!user) throw new TradecacheError(ErrorCodes.NOT_FOUND, `no such user ${userId}`);
        printResult(
          options,
          listed(user),
          () =>
            `${user.userId}\t${user.isAdmin ? 'admin' : 'user'}\t${new Date(user.createdAt).toISOString()}`,
        );
      });
    });

  users
    .command('revoke')
    .description('delete a user key and end their sessions (exit 1 when there is no such user)')
    .argument('<userId>')
    .action((userId: string) => {
      assertUserId(userId);
      return withDirectory(async (directory) => {
        if (!(await directory.revokeUser(userId))) {
          throw new TradecacheError(ErrorCodes.NOT_FOUND, `no such user ${userId}`);
        }
        process.stdout.write(`revoked ${userId}\n`);
      });
    });

  return users;
}
