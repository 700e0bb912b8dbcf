import { Cluster, type ClusterNode, type ClusterOptions } from 'ioredis';

type SendCommand = Cluster['sendCommand'];

/**
 * An ioredis Cluster whose commands are bounded by REDIS_COMMAND_TIMEOUT_MS while no node can
 * take them. ioredis applies `commandTimeout` (in `redisOptions`) only once a command reaches a
 * node connection; a command sent while the Cluster itself is reconnecting (every node gone)
 * waits in the Cluster's own offline queue with no bound, so a fail-soft read, a 503 refusal
 * or a cache read would hang for the whole outage. Here the timer starts when the command is
 * sent, as it does on one server; the node connection does not restart it (ioredis keeps the
 * first timer). Clients without a command timeout (BullMQ's blocking ones) are unchanged.
 */
export class TimedCluster extends Cluster {
  override sendCommand(...args: Parameters<SendCommand>): ReturnType<SendCommand> {
    const [command] = args;
    const timeoutMs = this.options.redisOptions?.commandTimeout;
    if (typeof timeoutMs === 'number' && this.status !== 'ready') command.setTimeout(timeoutMs);
    return super.sendCommand(...args);
  }

  /** A duplicate stays a TimedCluster (ioredis' own would be a plain Cluster). */
  override duplicate(
    overrideStartupNodes: ClusterNode[] = [],
    overrideOptions: ClusterOptions = {},
  ): Cluster {
    const startupNodes =
      overrideStartupNodes.length > 0
        ? overrideStartupNodes
        : (this as unknown as { startupNodes: ClusterNode[] }).startupNodes.slice(0);
    return new TimedCluster(startupNodes, { ...this.options, ...overrideOptions });
  }
}
