import keySlot from 'cluster-key-slot';
import { Cluster, type ClusterNode, type ClusterOptions } from 'ioredis';

type SendCommand = Cluster['sendCommand'];

/**
 * The ioredis Cluster tradecache uses, with two changes.
 *
 * Commands are bounded by REDIS_COMMAND_TIMEOUT_MS while no node can take them. ioredis applies
 * `commandTimeout` (in `redisOptions`) only once a command reaches a node connection; a command sent while the Cluster itself is reconnecting (every node gone)
 * waits in the Cluster's own offline queue with no bound, so a fail-soft read, a 503 refusal
 * or a cache read would hang for the whole outage. Here the timer starts when the command is
 * sent, as it does on one server; the node connection does not restart it (ioredis keeps the
 * first timer). Clients without a command timeout (BullMQ's blocking ones) are unchanged.
 *
 * A PUBLISH goes to the master of its channel's hash slot. It has no key, so ioredis would send
 * each one to a random node; the cluster bus then delivers messages from different nodes in no
 * set order, and a subscriber could get the feed's prices (or cache invalidations) out of the
 * order one process published them. One node per channel keeps that order.
 */
export class TradecacheCluster extends Cluster {
  override sendCommand(...args: Parameters<SendCommand>): ReturnType<SendCommand> {
    const [command] = args;
    const channel = command.name === 'publish' ? command.args[0] : undefined;
    // Command.getSlot() keeps a slot set before it is first asked for (none for a PUBLISH).
    if (channel !== undefined) (command as unknown as { slot: number }).slot = keySlot(String(channel));
    const timeoutMs = this.options.redisOptions?.commandTimeout;
    if (typeof timeoutMs === 'number' && this.status !== 'ready') command.setTimeout(timeoutMs);
    return super.sendCommand(...args);
  }

  /** A duplicate stays a TradecacheCluster (ioredis' own would be a plain Cluster). */
  override duplicate(
    overrideStartupNodes: ClusterNode[] = [],
    overrideOptions: ClusterOptions = {},
  ): Cluster {
    const startupNodes =
      overrideStartupNodes.length > 0
        ? overrideStartupNodes
        : (this as unknown as { startupNodes: ClusterNode[] }).startupNodes.slice(0);
    return new TradecacheCluster(startupNodes, { ...this.options, ...overrideOptions });
  }
}
