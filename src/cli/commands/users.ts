import { Command } from 'commander';
import type { UserDirectory } from '../../sessions/index.ts';

/** Opens what the command needs (Redis, directory) and how to close it. */
export type OpenUserDirectory = () => Promise<{ users: UserDirectory; close(): Promise<void> }>;

/**
 * `tradecache users add|list|revoke`: manages API users. `add` prints the new API key once;
 * only its digest is stored, so it cannot be shown again.
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
    .description('create a user and print their API key (shown once)')
    .argument('<userId>', 'user id: 1-64 chars of A-Z a-z 0-9 _ . @ -')
    .option('--admin', 'grant admin rights', false)
    .action((userId: string, options: { admin: boolean }) =>
      withDirectory(async (directory) => {
        const apiKey = await directory.addUser(userId, { admin: options.admin });
        process.stdout.write(`created user ${userId}${options.admin ? ' (admin)' : ''}\n`);
        process.stdout.write(`API key (shown once, store it now): ${apiKey}\n`);
      }),
    );

  users
    .command('list')
    .description('list users')
    .option('--json', 'print JSON', false)
    .action((options: { json: boolean }) =>
      withDirectory(async (directory) => {
        const list = await directory.listUsers();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(list)}\n`);
          return;
        }
        if (list.length === 0) process.stdout.write('no users\n');
        for (const user of list) {
          const role = user.isAdmin ? 'admin' : 'user';
          process.stdout.write(`${user.userId}\t${role}\t${new Date(user.createdAt).toISOString()}\n`);
        }
      }),
    );

  users
    .command('revoke')
    .description('delete a user key and end their sessions')
    .argument('<userId>')
    .action((userId: string) =>
      withDirectory(async (directory) => {
        const removed = await directory.revokeUser(userId);
        process.stdout.write(removed ? `revoked ${userId}\n` : `no such user ${userId}\n`);
        if (!removed) process.exitCode = 1;
      }),
    );

  return users;
}
