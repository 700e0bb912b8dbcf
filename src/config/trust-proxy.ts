import { isIP } from 'node:net';
import { type Env, invalid, read } from './parse.ts';

/**
 * Which proxies' `X-Forwarded-For` / `-Proto` / `-Host` headers are believed, as Fastify's
 * `trustProxy`: `false` (none: the socket's peer is the client), `true` (any), a hop count
 * (the last n addresses of the chain are proxies), or addresses and CIDRs of the proxies.
 */
export type TrustProxy = boolean | number | readonly string[];

/** proxy-addr's names for address ranges, accepted in the list as Fastify accepts them. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** `TRUST_PROXY`: off by default; `true`, a hop count (`1`), or `10.0.0.0/8,192.168.1.5`. */
export function trustProxy(env: Env): TrustProxy {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || /^(false|no|off|0)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 100) throw invalid('TRUST_PROXY', 'expected a hop count between 0 and 100');
    return hops;
  }
  const entries = raw.split(',').map((s) => s.trim());
  if (entries.some((e) => !isAddressOrCidr(e))) {
    throw invalid(
      'TRUST_PROXY',
      'expected true, false, a hop count, or a comma-separated list of proxy addresses or CIDRs',
    );
  }
  return entries;
}
