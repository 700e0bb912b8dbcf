import { createHash } from 'node:crypto';
import { cacheKeyOf } from '../redis/keys/index.ts';
import type { CacheNamespace } from './namespace.ts';

type AnyMethod = (...args: never[]) => unknown;
type MethodNames<R> = { [K in keyof R]: R[K] extends AnyMethod ? K : never }[keyof R] & string;

/** What a write invalidates: tag names, or tags, exact reads (`[method, args]`) and key patterns. */
export type Invalidation =
  | readonly string[]
  | {
      tags?: readonly string[];
      reads?: readonly (readonly [string, readonly unknown[]])[];
      patterns?: readonly string[];
    };

export interface CachedRepositoryOptions<R> {
  namespace: CacheNamespace<unknown>;
  /** First key part, e.g. `user` → `user:get_by_id:42`. */
  prefix: string;
  ttlMs: number;
  /** Methods whose results are cached (single-flight through getOrSet). */
  reads: readonly MethodNames<R>[];
  /** Methods that change data, each naming what to invalidate once it succeeded. */
  writes?: { [M in MethodNames<R>]?: (args: unknown[], result: unknown) => Invalidation };
  /** Tags of a cached read, e.g. `(args) => ['user:' + args[0]]`, for tag invalidation by writes. */
  tags?: { [M in MethodNames<R>]?: (args: unknown[]) => readonly string[] };
}

export interface CacheCallOptions {
  /** `false`: skip the cached value, call the repository, and store the fresh result. @default true */
  useCache: boolean;
}

export type CachedRepository<R> = R & {
  /** The same repository with per-call cache options, e.g. `withOptions({ useCache: false }).getById(1)`. */
  withOptions(options: CacheCallOptions): R;
  /** Removes cached reads matching `pattern` after the prefix (`*` wildcard), e.g. `get_by_id*`. */
  invalidateCache(pattern?: string): Promise<number>;
  /** The cache key of one read, for callers that invalidate precisely. */
  cacheKeyOf(method: MethodNames<R>, args: readonly unknown[]): string;
};

const READABLE_ARG = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * The Python platform's `@cached_repository`: reads listed in `reads` go through the cache, writes listed
 * in `writes` invalidate what they name after they succeed; every other method passes through.
 */
export function cachedRepository<R extends object>(
  repo: R,
  options: CachedRepositoryOptions<R>,
): CachedRepository<R> {
  const reads = new Set<string>(options.reads);
  const ns = options.namespace;
  const keyOf = (method: string, args: readonly unknown[]) =>
    cacheKeyOf(options.prefix, method, argsKey(args));

  const view = (useCache: boolean): R =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        const original = Reflect.get(target, prop, receiver);
        if (typeof prop !== 'string' || typeof original !== 'function') return original;
        const call = (args: unknown[]) => (original as (...a: unknown[]) => unknown).apply(target, args);
        if (reads.has(prop)) {
          return async (...args: unknown[]) => {
            const key = keyOf(prop, args);
            const tags = options.tags?.[prop as MethodNames<R>]?.(args) ?? [];
            if (!useCache) {
              const fresh = await call(args);
              await ns.set(key, fresh, { ttlMs: options.ttlMs, tags });
              return fresh;
            }
            return ns.getOrSet(key, async () => call(args), { ttlMs: options.ttlMs, tags });
          };
        }
        const write = options.writes?.[prop as MethodNames<R>];
        if (write) {
          return async (...args: unknown[]) => {
            const result = await call(args);
            await invalidate(write(args, result));
            return result;
          };
        }
        return original;
      },
    });

  async function invalidate(what: Invalidation): Promise<void> {
    const spec = isTagList(what) ? { tags: what } : what;
    for (const tag of spec.tags ?? []) await ns.invalidateTag(tag);
    if (spec.reads?.length) await ns.deleteMany(spec.reads.map(([m, a]) => keyOf(m, a)));
    for (const pattern of spec.patterns ?? []) await ns.deleteMatching(cacheKeyOf(options.prefix, pattern));
  }

  const cached = view(true);
  const extras = {
    withOptions: (o: CacheCallOptions) => (o.useCache ? cached : view(false)),
    invalidateCache: (pattern = '*') => ns.deleteMatching(cacheKeyOf(options.prefix, pattern)),
    cacheKeyOf: (method: string, args: readonly unknown[]) => keyOf(method, args),
  };
  return new Proxy(cached, {
    get: (target, prop, receiver) =>
      Object.hasOwn(extras, prop) ? extras[prop as keyof typeof extras] : Reflect.get(target, prop, receiver),
  }) as CachedRepository<R>;
}

function isTagList(what: Invalidation): what is readonly string[] {
  return Array.isArray(what);
}

/** Simple ids stay readable in the key (`get_by_id:42`); anything else is hashed (stable JSON). */
function argsKey(args: readonly unknown[]): string {
  const parts = args.map((a) => (typeof a === 'number' || typeof a === 'boolean' ? String(a) : a));
  if (parts.every((p) => typeof p === 'string' && READABLE_ARG.test(p))) return parts.join(',') || '-';
  return `h.${createHash('sha256').update(stableJson(args)).digest('base64url').slice(0, 32)}`;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
