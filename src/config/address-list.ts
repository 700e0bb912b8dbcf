import { invalid } from './parse.ts';
import type { SentinelAddress } from './types.ts';

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/**
 * `host:port,host:port` (`defaultPort` when left out; IPv6 as `[::1]:6379`), duplicates dropped.
 * Errors name the variable and the entry by position, never its text: a pasted URL could hold
 * a password. Shared by the sentinel list and the cluster seed nodes.
 */
export function parseAddressList(
  variable: string,
  raw: string,
  defaultPort: number,
  example: string,
): SentinelAddress[] {
  const seen = new Set<string>();
  const out: SentinelAddress[] = [];
  raw.split(',').forEach((part, index) => {
    const entry = part.trim();
    const where = `entry ${index + 1}`;
    if (entry === '') throw invalid(variable, `${where} is empty; ${example}`);
    if (entry.includes('://') || entry.includes('@')) {
      throw invalid(variable, `${where} looks like a URL; ${example}`);
    }
    const address = parseEntry(entry, defaultPort);
    if (!address) throw invalid(variable, `${where} is not host:port; ${example}`);
    const key = `${address.host}:${address.port}`;
    if (!seen.has(key)) out.push(address);
    seen.add(key);
  });
  return out;
}

function parseEntry(entry: string, defaultPort: number): SentinelAddress | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    const [, host = '', port] = bracketed;
    return IPV6.test(host) ? withPort(host, port, defaultPort) : null;
  }
  const [host = '', port, extra] = entry.split(':');
  if (extra !== undefined || !HOST_NAME.test(host)) return null;
  return withPort(host, port, defaultPort);
}

function withPort(host: string, rawPort: string | undefined, defaultPort: number): SentinelAddress | null {
  if (rawPort === undefined) return { host, port: defaultPort };
  if (!/^\d{1,5}$/.test(rawPort)) return null;
  const port = Number(rawPort);
  return port >= 1 && port <= 65535 ? { host, port } : null;
}
