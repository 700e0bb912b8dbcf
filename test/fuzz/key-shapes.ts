/**
 * The shapes every Redis key and channel of a deployment may have, derived from the key registry
 * (src/redis/keys/) itself: each builder is called with placeholder arguments that pass its
 * validators, and each placeholder is then widened to exactly what its validator accepts. A fuzz
 * run that leaves a key outside these shapes let user input into a key unchecked.
 */
import { KEY_PART_CHARS } from '../../src/config/parse.ts';
import { createKeys, type Keys } from '../../src/redis/keys/index.ts';
import { SYMBOL_PATTERN } from '../../src/trading/symbols.ts';

const MARKETS = ['spot', 'futures'] as const;
const SIDES = ['above', 'below'] as const;
const COUNTERS = ['cache_hit', 'cache_miss'] as const;

// Placeholders: legal for their validator, and never part of a real key.
const P = {
  symbol: 'QQSYMBOLQQ',
  user: 'qq-user-qq',
  session: 'qq-session-qq',
  part: 'qq-part-qq',
  part2: 'qq-parttwo-qq',
  ns: 'qq-ns-qq',
  cacheKey: 'qq-cachekey-qq',
} as const;

const part = `[${KEY_PART_CHARS}]{1,128}`;
// validators.ts: the cache-key alphabet (printable ASCII without glob characters, braces, space).
const cacheKey = '[!-)+->@-Z^-z|~]{1,512}';
const WIDEN: Record<string, string> = {
  [P.symbol]: SYMBOL_PATTERN.source.replace(/^\^|\$$/g, ''),
  [P.user]: `[${KEY_PART_CHARS}]{1,64}`,
  // Session ids are not validated by the builder: they come from our own generator (base64url).
  [P.session]: '[A-Za-z0-9_-]{43}',
  [P.part]: part,
  [P.part2]: part,
  [P.ns]: `[${KEY_PART_CHARS}]{1,64}`,
  [P.cacheKey]: cacheKey,
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function widen(built: string): string {
  let source = escapeRegExp(built);
  for (const [placeholder, pattern] of Object.entries(WIDEN)) {
    source = source.split(escapeRegExp(placeholder)).join(`(?:${pattern})`);
  }
  return source;
}

type Builder = (keys: Keys) => string[];
const each = <T>(values: readonly T[], f: (v: T) => string | string[]) => values.flatMap(f);

/**
 * Every key-making entry of the registry and how to call it. `registryEntries()` below lists the
 * registry's entries, and the fuzz test fails when one is missing here.
 */
const BUILDERS: Record<string, Builder> = {
  'symbols.cache': (k) => each(MARKETS, (m) => k.symbols.cache(m)),
  'symbols.lastGood': (k) => each(MARKETS, (m) => k.symbols.lastGood(m)),
  'symbols.refreshedAt': (k) => each(MARKETS, (m) => k.symbols.refreshedAt(m)),
  'metrics.cacheHit': (k) => [k.metrics.cacheHit(P.part)],
  'metrics.cacheMiss': (k) => [k.metrics.cacheMiss(P.part)],
  'metrics.warmupSuccess': (k) => [k.metrics.warmupSuccess(P.part)],
  'metrics.warmupError': (k) => [k.metrics.warmupError(P.part)],
  'metrics.warmupLastRun': (k) => [k.metrics.warmupLastRun(P.part)],
  'cache.channel': (k) => [k.cache.channel],
  'cache.counter': (k) => each(COUNTERS, (c) => k.cache.counter(c, P.ns)),
  'cache.namespace': (k) => {
    const ns = k.cache.namespace(P.ns);
    return [ns.value(P.cacheKey), ns.tag(P.cacheKey), ns.lease(P.cacheKey)];
  },
  'cache.namespaceBase': (k) => [k.cache.namespaceBase(P.ns) + P.cacheKey],
  'sessions.session': (k) => [k.sessions.session(P.user, P.session)],
  'sessions.sessionIndex': (k) => [k.sessions.sessionIndex(P.user)],
  'sessions.sessionOwner': (k) => [k.sessions.sessionOwner(P.session)],
  'sessions.account': (k) => [k.sessions.account(P.user)],
  'sessions.userIndex': (k) => [k.sessions.userIndex],
  'sessions.preferences': (k) => [k.sessions.preferences(P.user)],
  'sessions.subscriptions': (k) => [k.sessions.subscriptions(P.user)],
  'sessions.socketConnections': (k) => [k.sessions.socketConnections(P.user)],
  'sessions.socketSubscriptions': (k) => [k.sessions.socketSubscriptions(P.user, P.part)],
  'sessions.rateLimit': (k) => [k.sessions.rateLimit(P.part, P.part2)],
  'sessions.loginUserAddressFailures': (k) => [k.sessions.loginUserAddressFailures(P.part, P.user)],
  'sessions.loginAddressFailures': (k) => [k.sessions.loginAddressFailures(P.part)],
  'sessions.loginUserFailures': (k) => [k.sessions.loginUserFailures(P.user)],
  ...Object.fromEntries(
    (
      [
        'price',
        'bookTicker',
        'orderBook',
        'trades',
        'stats24h',
        'info',
        'premiumIndex',
        'ticks',
        'seriesMark',
        'candles',
        'candleIndex',
      ] as const
    ).map((name) => [`market.${name}`, (k: Keys) => each(MARKETS, (m) => k.market[name](m, P.symbol))]),
  ),
  ...Object.fromEntries(
    (['symbolsWithData', 'feedLease', 'clientWatched', 'clientWatchChannel', 'updatesChannel'] as const).map(
      (name) => [`market.${name}`, (k: Keys) => each(MARKETS, (m) => k.market[name](m))],
    ),
  ),
  'alerts.targets': (k) => each(MARKETS, (m) => each(SIDES, (s) => k.alerts.targets(m, P.symbol, s))),
  ...Object.fromEntries(
    (['records', 'expiring', 'lastChecked', 'outbox'] as const).map((name) => [
      `alerts.${name}`,
      (k: Keys) => each(MARKETS, (m) => k.alerts[name](m, P.symbol)),
    ]),
  ),
  'alerts.symbolsWithAlerts': (k) => [k.alerts.symbolsWithAlerts],
  'alerts.checkedSymbols': (k) => each(MARKETS, (m) => k.alerts.checkedSymbols(m)),
  'alerts.userAlerts': (k) => [k.alerts.userAlerts(P.user)],
  'alerts.activeAlerts': (k) => [k.alerts.activeAlerts(P.user)],
  'alerts.notifications': (k) => [k.alerts.notifications(P.user)],
  'alerts.notificationsChannel': (k) => [k.alerts.notificationsChannel],
};

/**
 * Registry entries that are not keys: SCAN patterns, hash tags, parsers, the prefix itself.
 * BullMQ's keys are checked separately (`bullKeyShape`): BullMQ, not we, builds what follows its prefix.
 */
const NOT_KEYS = new Set([
  'prefix',
  'root',
  'ownKeys',
  'bullPrefix',
  'cache.root',
  'cache.scanAll',
  'sessions.sessionIndexPattern',
  'market.tag',
  'market.candleField',
  'market.symbolAreaPattern',
  'market.symbolOfAreaKey',
]);

/** Dotted names of every string or function the registry returns, one level into each area. */
export function registryEntries(keys: Keys): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(keys)) {
    if (typeof value === 'object' && value !== null) {
      for (const inner of Object.keys(value)) out.push(`${name}.${inner}`);
    } else out.push(name);
  }
  return out;
}

/** Registry entries neither shaped here nor known not to be keys (must be empty). */
export function unshapedEntries(keys: Keys): string[] {
  return registryEntries(keys).filter((e) => !(e in BUILDERS) && !NOT_KEYS.has(e));
}

/** One regular expression matching every key and channel the registry can build for `prefix`. */
export function keyShapes(prefix: string, queueNames: readonly string[]): RegExp {
  const keys = createKeys(prefix);
  const sources = Object.values(BUILDERS).flatMap((build) => build(keys).map(widen));
  // BullMQ builds `<prefix>:<queue>:<its own suffix>`; its suffixes are ids and names of its own.
  const queues = queueNames.map(escapeRegExp).join('|');
  sources.push(`${escapeRegExp(keys.bullPrefix)}:(?:${queues})(?::[!-)+-Z^-z|~]*)?`);
  return new RegExp(`^(?:${sources.join('|')})$`);
}

/**
 * Characters no key of ours ever holds, whatever the shapes above allow: glob characters,
 * whitespace, control and non-ASCII characters. (`..` is legal inside a user id or a cache key,
 * which never become file paths; the shapes above admit it only there.)
 */
export const FORBIDDEN_IN_KEYS = /[*?[\]\\\s]|[^!-~]/;
