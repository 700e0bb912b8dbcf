import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import type { CacheEngine } from '../../cache/engine.ts';

/** Per-route `config.responseCache`. */
export interface ResponseCacheRouteConfig {
  ttlMs: number;
  /** First key part (e.g. `market_data`): the seed's `key_prefix`, also a tag for invalidation. */
  keyPrefix: string;
  /** Request headers that select a variant (e.g. `accept-language`); part of the key. */
  vary?: readonly string[];
  /**
   * Declares the route per-user: requests with Authorization/Cookie are cached under the returned
   * id (undefined = not cached). Without it, credentialed requests are never cached.
   */
  perUser?: (request: FastifyRequest) => string | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    responseCache?: ResponseCacheRouteConfig;
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
}
/** A handler result that must not be cached; concurrent requests then run the handler themselves. */
interface Uncacheable {
  uncacheable: true;
}

/**
 * The seed's `@cache_response`, stampede-protected: concurrent misses of one key run the
 * handler once (getOrSet). Only 2xx responses without Set-Cookie or `Cache-Control:
 * private/no-store` are stored; the key is method + path + sorted query + declared Vary headers
 * (+ user for per-user routes). Answers carry ETag (304 on If-None-Match), Cache-Control, Age
 * and X-Cache (HIT, MISS, STALE, BYPASS).
 */
export const responseCachePlugin = fp(
  async (app: FastifyInstance, opts: ResponseCachePluginOptions) => {
    const ns = opts.engine.namespace<CachedResponse | Uncacheable>(opts.namespace ?? 'http');
    app.addHook('onRoute', (route) => {
      const config = route.config?.responseCache;
      if (!config) return;
      const original = route.handler as (
        this: FastifyInstance,
        req: FastifyRequest,
        reply: FastifyReply,
      ) => unknown;
      const handler = async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
        if (request.method !== 'GET' && request.method !== 'HEAD') return original.call(this, request, reply);
        const credentialed =
          request.headers.authorization !== undefined || request.headers.cookie !== undefined;
        const user = config.perUser?.(request);
        if (credentialed && user === undefined) {
          reply.header('x-cache', 'BYPASS');
          return original.call(this, request, reply);
        }
        let ownPayload: { value: unknown } | undefined;
        const result = await ns.getOrSetWithMeta(
          responseKey(config, request, user),
          async ({ skip }) => {
            const payload = await original.call(this, request, reply);
            ownPayload = { value: payload };
            const stored = toCached(reply, payload);
            if (!stored) {
              skip();
              return { uncacheable: true };
            }
            return stored;
          },
          { ttlMs: config.ttlMs, tags: [config.keyPrefix] },
        );
        const cached = result.value;
        if ('uncacheable' in cached) {
          if (ownPayload) return reply.sent ? reply : ownPayload.value;
          return original.call(this, request, reply);
        }
        const ageSec = Math.floor(result.ageMs / 1000);
        const maxAge = Math.max(0, Math.floor(config.ttlMs / 1000) - ageSec);
        const varyOn = [...(config.vary ?? []), ...(config.perUser ? ['authorization', 'cookie'] : [])];
        reply
          .header('etag', cached.etag)
          .header('cache-control', `${config.perUser ? 'private' : 'public'}, max-age=${maxAge}`)
          .header('age', String(ageSec))
          .header(
            'x-cache',
            result.source === 'factory'
              ? 'MISS'
              : result.source === 'l1' || result.source === 'l2'
                ? 'HIT'
                : 'STALE',
          );
        if (varyOn.length > 0) reply.header('vary', varyOn.join(', '));
        if (request.headers['if-none-match'] === cached.etag) return reply.code(304).send();
        return reply.code(cached.status).header('content-type', cached.contentType).send(cached.body);
      };
      route.handler = handler as RouteHandlerMethod;
    });
  },
  { name: 'tradecache-response-cache' },
);

/** The storable form of a handler's answer, or null when it must not be shared. */
function toCached(reply: FastifyReply, payload: unknown): CachedResponse | null {
  if (reply.sent || payload === undefined || Buffer.isBuffer(payload)) return null;
  const status = reply.statusCode;
  const cacheControl = String(reply.getHeader('cache-control') ?? '');
  if (status < 200 || status >= 300 || reply.getHeader('set-cookie') !== undefined) return null;
  if (/\b(private|no-store)\b/i.test(cacheControl)) return null;
  const isText = typeof payload === 'string';
  const body = isText ? payload : reply.serialize(payload);
  if (typeof body !== 'string') return null;
  const contentType = String(
    reply.getHeader('content-type') ??
      (isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
  );
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  return { status, contentType, body, etag };
}

/** method + path + sorted query + declared Vary headers (+ user), hashed into a safe cache key. */
export function responseKey(
  config: ResponseCacheRouteConfig,
  request: FastifyRequest,
  user: string | undefined,
): string {
  const [path = '', query = ''] = request.url.split('?', 2);
  const params = [...new URLSearchParams(query)].sort(([a, x], [b, y]) =>
    a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1,
  );
  const vary = (config.vary ?? []).map(
    (h) => `${h.toLowerCase()}=${String(request.headers[h.toLowerCase()] ?? '')}`,
  );
  const material = [
    request.method,
    path,
    new URLSearchParams(params).toString(),
    ...vary,
    `user=${user ?? ''}`,
  ];
  const digest = createHash('sha256').update(material.join('\n')).digest('base64url');
  return `${config.keyPrefix}:${digest}`;
}
