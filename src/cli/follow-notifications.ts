/**
 * A user's alert notifications for `tradecache market watch --user`: a one-shot tool has no
 * realtime bus (it serves no WebSocket), so this opens one just for the watch: a duplicate of
 * the command connection (same server, credentials and Sentinel settings), or on a Cluster the
 * one-node subscriber the app's buses use (a duplicate would be a Cluster client, whose hidden
 * subscriber moves between nodes without a word).
 */
import type { AppContext } from '../app.ts';
import type { AlertNotification } from '../market/alerts/index.ts';
import { RealtimeBus } from '../market/realtime/index.ts';
import { isCluster } from '../redis/client.ts';
import { createRedisClient } from '../redis/connection.ts';

export async function followNotifications(
  ctx: AppContext,
  userId: string,
  listener: (notification: AlertNotification) => void,
): Promise<() => Promise<void>> {
  const subscriber = isCluster(ctx.redis)
    ? createRedisClient(ctx.config.redis, { role: 'subscriber' })
    : ctx.redis.duplicate();
  const bus = new RealtimeBus(subscriber, ctx.keys, ctx.logger);
  bus.listen({
    onNotification: (owned) => {
      if (owned.userId === userId) listener(owned.notification);
    },
  });
  try {
    await bus.start();
  } catch (err) {
    await bus.close();
    throw err;
  }
  return () => bus.close();
}
