import { Command } from 'commander';
import type { AlertStatus, PriceAlerts } from '../../market/alerts/index.ts';
import { assertUserId } from '../../redis/keys/index.ts';

/** Opens what the command needs (Redis, the alerts) and how to close it. */
export type OpenPriceAlerts = () => Promise<{ alerts: PriceAlerts; close(): Promise<void> }>;

const STATUSES = ['active', 'triggered', 'expired', 'all'] as const;

/** `tradecache alerts list <userId>`: a user's price alerts, for support and operators. */
export function alertsCommand(open: OpenPriceAlerts): Command {
  const alerts = new Command('alerts').description('inspect users’ price alerts');
  alerts
    .command('list')
    .description("list a user's price alerts (all statuses unless --status)")
    .argument('<userId>', 'user id')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`, 'all')
    .option('--json', 'print JSON', false)
    .action(async (userId: string, options: { status: string; json: boolean }) => {
      assertUserId(userId);
      if (!(STATUSES as readonly string[]).includes(options.status)) {
        throw new Error(`--status must be one of ${STATUSES.join(', ')}`);
      }
      const { alerts: store, close } = await open();
      try {
        const list = await store.list(userId, options.status as AlertStatus | 'all');
        if (options.json) {
          process.stdout.write(`${JSON.stringify(list)}\n`);
          return;
        }
        if (list.length === 0)
          process.stdout.write(`no ${options.status === 'all' ? '' : `${options.status} `}alerts\n`);
        for (const a of list) {
          const fired = a.triggeredAt ? `\tfired ${a.triggerPrice} at ${a.triggeredAt}` : '';
          const expires = a.expiresAt ? `\texpires ${a.expiresAt}` : '';
          process.stdout.write(
            `${a.id}\t${a.market}\t${a.symbol}\t${a.condition}\t${a.targetPrice}\t${a.status}\t${a.createdAt}${expires}${fired}\n`,
          );
        }
      } finally {
        await close();
      }
    });
  return alerts;
}
