import { isCluster, type RedisClient } from './client.ts';

/** `host:port` of the server a client is connected to (the current master); null when not ready. */
export function connectedAddress(client: RedisClient): string | null {
  // A Cluster client holds one connection per node: there is no single address to name.
  if (isCluster(client) || client.status !== 'ready') return null;
  const stream: { remoteAddress?: string | undefined; remotePort?: number | undefined } | undefined =
    client.stream;
  const { remoteAddress, remotePort } = stream ?? {};
  if (!remoteAddress || !remotePort) return null;
  return formatAddress(remoteAddress, remotePort);
}

/** Sentinel announces IPs (or host names with `announce-hostnames`); IPv6 goes in brackets. */
export function formatAddress(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `host:port` of every master a Cluster client knows now (from its slot table), sorted; empty
 * for a single server or while the Cluster is not connected.
 */
export function clusterMasters(client: RedisClient): string[] {
  if (!isCluster(client)) return [];
  return client
    .nodes('master')
    .map((node) => formatAddress(node.options.host ?? '', node.options.port ?? 0))
    .sort();
}
