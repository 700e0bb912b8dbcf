import { isIPv4, isIPv6 } from 'node:net';

/** 16-bit groups of an IPv6 address naming one client network: a /64 is what a site or a phone gets. */
const IPV6_NETWORK_GROUPS = 4;

/**
 * The client a login failure is charged to, as a key part: `ip4.203.0.113.7`, or for IPv6 the
 * /64 network, `ip6.2001-db8-0-0`. Whoever holds one IPv6 address usually holds its whole /64
 * (2^64 addresses), so counting exact IPv6 addresses would give each attacker endless budgets.
 * IPv4-mapped IPv6 (`::ffff:203.0.113.7`, as dual-stack sockets report IPv4 clients) counts as
 * that IPv4 address. Anything else (no address at all) shares the one bucket `unknown`.
 */
export function loginAddress(ip: string | undefined): string {
  const bare = (ip ?? '').split('%')[0] ?? '';
  if (isIPv4(bare)) return `ip4.${bare}`;
  if (!isIPv6(bare)) return 'unknown';
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `ip4.${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `ip6.${groups
    .slice(0, IPV6_NETWORK_GROUPS)
    .map((g) => g.toString(16))
    .join('-')}`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
