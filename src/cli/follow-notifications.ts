/**
 * A user's alert notifications for `tradecache market watch --user`: a one-shot tool has no
 * realtime bus (it serves no WebSocket), so this opens one on a duplicate of the command
 * connection (same server, credentials and Sentinel settings) just for the watch.
 */
import type { AppContext } from '../app.ts';
import type { AlertNotification } from '../market/alerts/index.ts';
import { RealtimeBus } from '../market/realtime/index.ts';

export async function followNotifications(
  ctx: AppContext,
  userId: string,
  listener: (notification: AlertNotification) => void,
): Promise<() => Promise<void>> {
  const bus = new RealtimeBus(ctx.redis.duplicate(), ctx.keys, ctx.logger);
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
