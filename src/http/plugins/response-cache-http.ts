import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cacheKeyOf } from '../../redis/keys/index.ts';

/**
 * A request header that selects a response variant. A plain name keys on the raw value; with
 * `normalise`, on what the route makes of it (e.g. `Accept` → `csv` | `json`), so the many
 * spellings browsers send do not each get their own copy.
 */
export type VaryHeader = string | { header: string; normalise: (value: string | undefined) => string };

/** What identifies one stored response besides the route's key prefix. */
export interface KeyParts {
  keyPrefix: string;
  vary: readonly VaryHeader[];
  /** Set on per-user routes only. */
  user: string | undefined;
}

/**
 * `<keyPrefix>:<sha256>` of method + path + normalised query + Vary values + user. HEAD shares
 * GET's entry (same representation, body dropped on the way out). Query keys are sorted; the
 * order of a repeated key's values is kept, since `?sort=a&sort=b` may mean something else
 * than `?sort=b&sort=a`. Encodings are normalised (`%41` = `A`, `+` = `%20`).
 */
export function responseKey(parts: KeyParts, request: FastifyRequest): string {
  const [path = '', query = ''] = request.url.split('?', 2);
  // Array.prototype.sort is stable: equal keys keep their relative order.
  const params = [...new URLSearchParams(query)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const material = [
    request.method === 'HEAD' ? 'GET' : request.method,
    path,
    new URLSearchParams(params).toString(),
    ...parts.vary.map((h) => `${varyName(h)}=${varyValue(h, request)}`),
    `user=${parts.user ?? ''}`,
  ];
  return cacheKeyOf(parts.keyPrefix, createHash('sha256').update(material.join('\n')).digest('base64url'));
}

/** Tag of one user's entries under a prefix; the id is hashed so any string is a legal tag. */
export function userTag(keyPrefix: string, user: string): string {
  return `${keyPrefix}.user.${createHash('sha256').update(user).digest('base64url')}`;
}

export function varyName(h: VaryHeader): string {
  return (typeof h === 'string' ? h : h.header).toLowerCase();
}

function varyValue(h: VaryHeader, request: FastifyRequest): string {
  const raw = request.headers[varyName(h)];
  const value = Array.isArray(raw) ? raw.join(', ') : raw;
  return typeof h === 'string' ? (value ?? '') : h.normalise(value);
}

/** Strong ETag of a body. */
export function etagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * If-None-Match per RFC 9110 §13.1.2: `*`, or a list of tags compared weakly (a `W/` prefix
 * on either side is ignored), so a 304 is also given to caches that weakened our tag.
 */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const wanted = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === wanted;
  });
}

/**
 * Headers the cache owns or that describe one exchange rather than the representation: never
 * replayed from a stored response (rate-limit counters are set before the handler, but a
 * handler could set them too).
 */
const NOT_REPLAYED = new Set([
  'age',
  'cache-control',
  'connection',
  'content-length',
  'content-type',
  'date',
  'etag',
  'keep-alive',
  'set-cookie',
  'transfer-encoding',
  'vary',
  'x-cache',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
]);

export type HeaderSnapshot = Record<string, string>;

export function snapshotHeaders(reply: FastifyReply): HeaderSnapshot {
  const out: HeaderSnapshot = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) out[name] = String(value);
  }
  return out;
}

/** Headers the handler added or changed since `before`: part of the stored representation. */
export function headersAddedSince(before: HeaderSnapshot, reply: FastifyReply): HeaderSnapshot {
  const added: HeaderSnapshot = {};
  for (const [name, value] of Object.entries(snapshotHeaders(reply))) {
    if (!NOT_REPLAYED.has(name) && before[name] !== value) added[name] = value;
  }
  return added;
}
