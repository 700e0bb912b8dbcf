import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import type { CacheEngine } from '../../cache/index.ts';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import {
  etagOf,
  type HeaderSnapshot,
  headersAddedSince,
  matchesIfNoneMatch,
  responseKey,
  snapshotHeaders,
  userTag,
  type VaryHeader,
  varyName,
} from './response-cache-http.ts';

export type { VaryHeader } from './response-cache-http.ts';
export { responseKey } from './response-cache-http.ts';

/** Per-route `config.responseCache`. */
export interface ResponseCacheRouteConfig {
  ttlMs: number;
  /** First key part (e.g. `market_data`): the Python platform's `key_prefix`, also the invalidation tag. */
  keyPrefix: string;
  /** Request headers that select a variant; part of the key and of the `Vary` answer header. */
  vary?: readonly VaryHeader[];
  /**
   * Declares the route per-user and names the caller (e.g. `(r) => r.user?.userId`, read after
   * the route's auth preHandler). Entries are keyed and tagged by that id; a request it returns
   * undefined for is never cached. Without it, requests with Authorization or a cookie are
   * never cached (they bypass the cache both ways).
   */
  perUser?: (request: FastifyRequest) => string | undefined;
  /** Bodies larger than this are served but not stored. @default 1 MiB */
  maxBodyBytes?: number;
  /**
   * The answer's size in bytes, estimated from the request before the handler runs (e.g. from
   * a range's candle count). Over `maxBodyBytes`, the request bypasses the cache: the handler
   * may stream, and nothing tries to serialise a body too large to keep. Undefined: unknown.
   */
  estimateBytes?: (request: FastifyRequest) => number | undefined;
}

/** Invalidation for routes that change what a cached GET returns. */
export interface ResponseCacheControl {
  /** Forgets every stored response under `keyPrefix` (all users), in every process. */
  invalidate(keyPrefix: string): Promise<number>;
  /** Forgets one user's stored responses under a per-user `keyPrefix`, in every process. */
  invalidateUser(keyPrefix: string, userId: string): Promise<number>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    responseCache?: ResponseCacheRouteConfig;
  }
  interface FastifyInstance {
    /** Set when the response cache plugin is registered (routes also run without it). */
    responseCache?: ResponseCacheControl;
  }
}

export interface ResponseCachePluginOptions {
  engine: CacheEngine;
  /** @default 'http' */
  namespace?: string;
}

interface CachedResponse {
  status: number;
  contentType: string;
  body: string;
  etag: string;
  /** Headers the handler set (e.g. Content-Disposition), replayed on hits. */
  headers: HeaderSnapshot;
}
/** A handler answer that must not be shared; concurrent callers then run the handler themselves. */
interface Uncacheable {
  uncacheable: true;
}
const UNCACHEABLE: Uncacheable = { uncacheable: true };

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Errors about one request rather than the resource (its client left, its caller's budget or
 * credentials): a waiter given another request's factory error of this kind runs its own.
 */
const REQUEST_OWN_ERRORS = new Set<string>([
  ErrorCodes.ABORTED,
  ErrorCodes.RATE_LIMITED,
  ErrorCodes.AUTH_REQUIRED,
  ErrorCodes.AUTH_INVALID,
]);
const KEY_PREFIX = /^[A-Za-z0-9_.-]{1,64}$/;

type Handler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * The Python platform's `@cache_response` for GET/HEAD routes declaring `config.responseCache`.
 * Concurrent misses of one key run the handler once, across processes (engine getOrSet).
 * Stored: 2xx answers without Set-Cookie or `Cache-Control: private/no-store` (a handler opts a
 * response out with `no-store`). Never shared: anything asked with Authorization or a cookie,
 * except on per-user routes, keyed by the authenticated user. Answers carry ETag (304 on
 * If-None-Match), Cache-Control, Age (from the entry's age) and X-Cache (HIT, MISS, STALE,
 * BYPASS).
 */
export const responseCachePlugin = fp(
  async (app: FastifyInstance, opts: ResponseCachePluginOptions) => {
    const ns = opts.engine.namespace<CachedResponse | Uncacheable>(opts.namespace ?? 'http');
    const control: ResponseCacheControl = {
      invalidate: (keyPrefix) => ns.invalidateTag(checkPrefix(keyPrefix)),
      invalidateUser: (keyPrefix, userId) => ns.invalidateTag(userTag(checkPrefix(keyPrefix), userId)),
    };
    app.decorate('responseCache', control);

    app.addHook('onRoute', (route) => {
      const config = route.config?.responseCache;
      if (!config) return;
      checkPrefix(config.keyPrefix);
      const original = route.handler as Handler;
      const vary = config.vary ?? [];
      const varyOn = vary.map(varyName);
      if (config.perUser) varyOn.push('authorization', 'cookie');
      const varyHeader = varyOn.join(', ');
      const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

      const cached: Handler = async function (this: FastifyInstance, request, reply) {
        if (request.method !== 'GET' && request.method !== 'HEAD') return original.call(this, request, reply);
        const user = config.perUser?.(request);
        const mayShare = config.perUser ? user !== undefined : !hasCredentials(request);
        const tooBig = (config.estimateBytes?.(request) ?? 0) > maxBodyBytes;
        if (!mayShare || tooBig) {
          reply.header('x-cache', 'BYPASS');
          return original.call(this, request, reply);
        }
        const tags =
          user === undefined ? [config.keyPrefix] : [config.keyPrefix, userTag(config.keyPrefix, user)];
        let own: { payload: unknown } | undefined;
        let ran = false;
        const lookup = ns.getOrSetWithMeta(
          responseKey({ keyPrefix: config.keyPrefix, vary, user }, request),
          async ({ skip }) => {
            ran = true;
            reply.header('x-cache', 'MISS');
            const before = snapshotHeaders(reply);
            const cookies = watchCookies(reply);
            const payload = await original.call(this, request, reply);
            own = { payload };
            const stored = cookies.set ? null : storable(reply, payload, before, maxBodyBytes);
            if (stored) return stored;
            skip();
            return UNCACHEABLE;
          },
          { ttlMs: config.ttlMs, tags },
        );
        let result: Awaited<typeof lookup>;
        try {
          result = await lookup;
        } catch (err) {
          // Another request's handler failed for a reason of its own (its client left, its
          // budget ran out): that is not this request's answer, so run ours.
          if (ran || !(err instanceof TradecacheError) || !REQUEST_OWN_ERRORS.has(err.code)) throw err;
          reply.header('x-cache', 'MISS');
          return original.call(this, request, reply);
        }
        const entry = result.value;
        if ('uncacheable' in entry) {
          // Our own handler ran: its answer stands as it is. Another request's did: its answer
          // may belong to that request only (a cookie, an error), so run ours.
          if (own) return own.payload;
          reply.header('x-cache', 'MISS');
          return original.call(this, request, reply);
        }

        const ageSec = Math.floor(result.ageMs / 1000);
        const maxAge = Math.max(0, Math.floor((config.ttlMs - result.ageMs) / 1000));
        for (const [name, value] of Object.entries(entry.headers)) reply.header(name, value);
        reply
          .header('etag', entry.etag)
          // Per-user answers: a browser may keep them but must revalidate (a cheap 304), so a
          // change made through another tab or device shows at once.
          .header('cache-control', config.perUser ? 'private, no-cache' : `public, max-age=${maxAge}`)
          .header('age', String(ageSec))
          .header('x-cache', xCache(result.source));
        if (varyHeader) reply.header('vary', varyHeader);
        if (matchesIfNoneMatch(request.headers['if-none-match'], entry.etag)) {
          reply.removeHeader('content-type');
          return reply.code(304).send();
        }
        return reply.code(entry.status).header('content-type', entry.contentType).send(entry.body);
      };
      route.handler = cached as RouteHandlerMethod;
    });
  },
  { name: 'tradecache-response-cache', fastify: '5.x' },
);

function hasCredentials(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined || request.headers.cookie !== undefined;
}

function xCache(source: string): 'HIT' | 'MISS' | 'STALE' {
  if (source === 'factory') return 'MISS';
  return source === 'l1' || source === 'l2' ? 'HIT' : 'STALE';
}

function checkPrefix(keyPrefix: string): string {
  if (!KEY_PREFIX.test(keyPrefix)) {
    throw new Error(`responseCache keyPrefix must match ${KEY_PREFIX.source}: ${keyPrefix.slice(0, 70)}`);
  }
  return keyPrefix;
}

/** The storable form of a handler's answer, or null when it must not be shared or kept. */
function storable(
  reply: FastifyReply,
  payload: unknown,
  before: HeaderSnapshot,
  maxBodyBytes: number,
): CachedResponse | null {
  // The handler sent the reply itself (or returned a stream/buffer): nothing we can replay.
  if (reply.sent || payload === reply || payload === undefined || payload === null) return null;
  if (Buffer.isBuffer(payload) || typeof (payload as { pipe?: unknown }).pipe === 'function') return null;
  const status = reply.statusCode;
  if (status < 200 || status >= 300 || reply.hasHeader('set-cookie')) return null;
  if (/\b(private|no-store)\b/i.test(String(reply.getHeader('cache-control') ?? ''))) return null;
  const isText = typeof payload === 'string';
  const body = isText ? payload : reply.serialize(payload);
  if (typeof body !== 'string' || Buffer.byteLength(body) > maxBodyBytes) return null;
  const contentType = String(
    reply.getHeader('content-type') ??
      (isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
  );
  return { status, contentType, body, etag: etagOf(body), headers: headersAddedSince(before, reply) };
}

/**
 * @fastify/cookie's `reply.setCookie()` only writes Set-Cookie in its onSend hook, after the
 * handler: the header is not there yet when we decide to store. So the handler's calls are
 * watched through the public method itself: a reply that set a cookie is never stored.
 */
function watchCookies(reply: FastifyReply): { set: boolean } {
  const seen = { set: false };
  const target = reply as unknown as { setCookie?: (...args: unknown[]) => unknown };
  const setCookie = target.setCookie;
  if (typeof setCookie === 'function') {
    target.setCookie = (...args: unknown[]) => {
      seen.set = true;
      return setCookie.apply(reply, args);
    };
  }
  return seen;
}
