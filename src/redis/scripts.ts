/**
 * The one loader of our Lua scripts. Every `lua/<name>-<numberOfKeys>.lua` is defined on a client
 * with `defineCommand` (EVALSHA, falling back to EVAL once per server) under a versioned name,
 * `tc_<name>_<sha1 prefix>`: a changed script gets a new command instead of clashing with the old
 * one on a client or in a server's script cache. Clients from the connection budget get every
 * script when they are created; any other client gets them at its first call.
 *
 * Each script documents its KEYS, ARGV and return value in its header. The keys of one call must
 * share a Cluster hash slot (the key registry says which keys do).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './client.ts';
import { whileMigrating } from './migrating-retry.ts';

const LUA_DIR = new URL('./lua/', import.meta.url);
/** `<name>-<number of keys>.lua`, or `<name>-n.lua` for a script whose key count varies per call. */
const FILE_NAME = /^([a-z0-9-]+)-(\d+|n)\.lua$/;

/** The scripts in `lua/`, by name (the file name without `-<numberOfKeys>.lua`). */
export type ScriptName =
  | 'alert-check'
  | 'alert-cleanup'
  | 'alert-create'
  | 'alert-reserve'
  | 'alert-symbol-mark'
  | 'alert-symbol-prune'
  | 'login-attempt'
  | 'login-user-failures'
  | 'market-batch'
  | 'market-cleanup'
  | 'release-lease'
  | 'renew-lease'
  | 'sliding-window'
  | 'sliding-window-counter';

interface ScriptSource {
  readonly command: string;
  /** Null for a `-n` script: each call says how many keys it passes. */
  readonly numberOfKeys: number | null;
  readonly lua: string;
}

type ScriptCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

let sources: ReadonlyMap<string, ScriptSource> | undefined;
const loaded = new WeakSet<RedisClient>();

/** Reads `lua/` once per process, at the first use (never at import time). */
function scriptSources(): ReadonlyMap<string, ScriptSource> {
  if (sources) return sources;
  const found = new Map<string, ScriptSource>();
  for (const file of readdirSync(LUA_DIR).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    const [, name = '', keys = '0'] = match;
    const lua = readFileSync(new URL(file, LUA_DIR), 'utf8');
    const version = createHash('sha1').update(lua).digest('hex').slice(0, 8);
    found.set(name, {
      command: `tc_${name.replace(/-/g, '_')}_${version}`,
      numberOfKeys: keys === 'n' ? null : Number(keys),
      lua,
    });
  }
  sources = found;
  return found;
}

/** Defines every script on `client` (once per client). */
export function loadScripts(client: RedisClient): void {
  if (loaded.has(client)) return;
  for (const { command, numberOfKeys, lua } of scriptSources().values()) {
    client.defineCommand(command, numberOfKeys === null ? { lua } : { numberOfKeys, lua });
  }
  loaded.add(client);
}

/**
 * A pipeline of `client` that can queue our scripts (ioredis copies a client's scripts into a
 * pipeline when the pipeline is created, so they are defined first).
 */
export function scriptPipeline(client: RedisClient): ChainableCommander {
  loadScripts(client);
  return client.pipeline();
}

/**
 * Queues script `name` on a pipeline from {@link scriptPipeline}; its reply comes with the
 * pipeline's `exec()`, in queue order.
 */
export function queueScript(
  pipeline: ChainableCommander,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[] = [],
): void {
  const source = checkedSource(name, keys);
  const command = (pipeline as unknown as Record<string, ScriptCommand>)[source.command];
  if (!command) throw new Error(`script ${name} is not defined on this pipeline (use scriptPipeline)`);
  if (source.numberOfKeys === null) command.call(pipeline, keys.length, ...keys, ...args);
  else command.call(pipeline, ...keys, ...args);
}

function checkedSource(name: ScriptName, keys: readonly string[]): ScriptSource {
  const source = scriptSources().get(name);
  if (!source) throw new Error(`no Lua script lua/${name}-<n>.lua`);
  if (source.numberOfKeys !== null && keys.length !== source.numberOfKeys) {
    throw new Error(`script ${name} takes ${source.numberOfKeys} keys, got ${keys.length}`);
  }
  return source;
}

/**
 * Runs script `name` with its KEYS and ARGV. The result is what the script returns (its header
 * says the shape); the caller narrows it.
 */
export function runScript<T>(
  client: RedisClient,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[] = [],
): Promise<T> {
  const source = checkedSource(name, keys);
  loadScripts(client);
  const command = (client as unknown as Record<string, ScriptCommand>)[source.command];
  if (!command) throw new Error(`script ${name} is not defined on this client`);
  const call = source.numberOfKeys === null ? [keys.length, ...keys, ...args] : [...keys, ...args];
  // Several keys in a slot being migrated: TRYAGAIN until it is assigned (migrating-retry.ts).
  if (keys.length < 2) return command.call(client, ...call) as Promise<T>;
  return whileMigrating(() => command.call(client, ...call) as Promise<T>);
}
