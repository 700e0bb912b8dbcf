import { Command } from 'commander';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { AlertStatus, PriceAlerts } from '../../market/alerts/index.ts';
import { assertUserId } from '../../redis/keys/index.ts';
import { jsonOption, printResult } from '../output.ts';

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
    .addOption(jsonOption())
    .action(async (userId: string, options: { status: string; json: boolean }) => {
      assertUserId(userId);
      if (!(STATUSES as readonly string[]).includes(options.status)) {
        throw new TradecacheError(
          ErrorCodes.VALIDATION_FAILED,
          `--status: expected one of ${STATUSES.join(', ')}, got "${options.status.slice(0, 20)}"`,
        );
      }
      const { alerts: store, close } = await open();
      try {
        const list = await store.list(userId, options.status as AlertStatus | 'all');
        printResult(options, list, () => {
          if (list.length === 0) return `no ${options.status === 'all' ? '' : `${options.status} `}alerts`;
          return list
            .map((a) => {
              const fired = a.triggeredAt ? `\tfired ${a.triggerPrice} at ${a.triggeredAt}` : '';
              const expires = a.expiresAt ? `\texpires ${a.expiresAt}` : '';
              return `${a.id}\t${a.market}\t${a.symbol}\t${a.condition}\t${a.targetPrice}\t${a.status}\t${a.createdAt}${expires}${fired}`;
            })
            .join('\n');
        });
      } finally {
        await close();
      }
    });
  return alerts;
}
