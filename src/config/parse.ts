import { ErrorCodes, TradecacheError } from '../errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** The one error config loading throws: it names the variable, never its (possibly secret) value. */
export function invalid(name: string, why: string): TradecacheError {
  return new TradecacheError(ErrorCodes.CONFIG_INVALID, `invalid ${name}: ${why}`, {
    context: { variable: name },
  });
}

/** An unset or blank variable counts as unset: `FOO=` in a compose file means "default". */
/**
 * The characters of a Redis key part (letters, digits and `_ . @ -`): the rule of
 * `REDIS_KEY_PREFIX` here, and of every key part in the key registry (redis/keys), which builds
 * its validators from it.
 */
export const KEY_PART_CHARS = 'A-Za-z0-9_.@-';

export function read(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw invalid(name, `expected an integer between ${min} and ${max}`);
  const value = Number(raw);
  if (value < min || value > max) throw invalid(name, `expected an integer between ${min} and ${max}`);
  return value;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  const match = allowed.find((a) => a === lower);
  if (!match) throw invalid(name, `expected one of ${allowed.join(', ')}`);
  return match;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw invalid(name, 'expected true or false');
}

export function httpUrl(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw invalid(name, 'expected an http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid(name, 'expected an http(s) URL');
  return raw.replace(/\/+$/, '');
}

/** A WebSocket base URL (`ws://` or `wss://`), without a trailing slash. */
export function wsUrl(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw invalid(name, 'expected a ws(s) URL');
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw invalid(name, 'expected a ws(s) URL');
  if (parsed.search !== '' || parsed.hash !== '') throw invalid(name, 'expected a base URL without ? or #');
  return raw.replace(/\/+$/, '');
}

/** Comma-separated, upper-cased asset names (`BTC,ETH`). */
export function assetList(env: Env, name: string, fallback: string): string[] {
  const raw = read(env, name) ?? fallback;
  const assets = raw.split(',').map((a) => a.trim().toUpperCase());
  if (assets.some((a) => !/^[A-Z0-9]{1,20}$/.test(a)))
    throw invalid(name, 'expected comma-separated asset names');
  return [...new Set(assets)];
}

export function asset(env: Env, name: string, fallback: string): string {
  const value = (read(env, name) ?? fallback).toUpperCase();
  if (!/^[A-Z0-9]{1,20}$/.test(value)) throw invalid(name, 'expected an asset name such as USDT');
  return value;
}
