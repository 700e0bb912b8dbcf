import keySlot from 'cluster-key-slot';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './client.ts';
import { whileMigrating } from './migrating-retry.ts';
import { loadScripts } from './scripts.ts';

/** One command as it was queued on a pipeline: the method called (a script's too) and its arguments. */
export interface QueuedCommand {
  readonly key: string;
  readonly method: string;
  readonly args: readonly unknown[];
}

/**
 * Answers of a Cluster node meaning "not run here, not now": the slot moved (MOVED), is being
 * migrated and this key already left (ASK), a multi-key command or script whose keys are split
 * between the two masters of a migration (TRYAGAIN), or the cluster is briefly down; and
 * NOSCRIPT, which a pipeline redirected to a master that never ran the script gets (ioredis marks a
 * script loaded on a connection when it sends it, also when the answer was a redirection).
 */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN|NOSCRIPT) /;
const SLOT_GROUP_REFUSAL = 'All keys in the pipeline should belong to the same slots allocation group';

/** ioredis refusing a whole pipeline before sending it, as its slot table changed. */
export function isSlotGroupRefusal(err: unknown): boolean {
  return err instanceof Error && err.message === SLOT_GROUP_REFUSAL;
}

function wasNotRun(err: Error | null): boolean {
  return err !== null && (REDIRECTED.test(err.message) || err.message === SLOT_GROUP_REFUSAL);
}

/**
 * `pipeline` seen through a recorder: each command method the caller calls (`set`, `getBuffer`,
 * a defined script...) is noted in `commands` with `key`'s turn, then queued as usual.
 * `nextKey` names the key of the next call (SlotPipelines queues one command per `on(key)`).
 */
export function recordingPipeline(
  pipeline: ChainableCommander,
  commands: QueuedCommand[],
  nextKey: () => string,
): ChainableCommander {
  return new Proxy(pipeline, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        commands.push({ key: nextKey(), method: prop, args });
        return value.apply(target, args);
      };
    },
  });
}

/**
 * `results` with every command Redis did not run sent again, each alone, through the Cluster
 * client, which follows MOVED / ASK / TRYAGAIN (updating its slot table on MOVED, ASKING on the
 * importing master, TRYAGAIN retried every `retryDelayOnTryAgain` up to `maxRedirections` times,
 * then `whileMigrating`). Commands of one slot go one after the other, in queue order,
 * so a key's writes keep their order; slots go in parallel.
 */
export async function replayRedirected(
  client: RedisClient,
  commands: readonly QueuedCommand[],
  results: Array<[Error | null, unknown]>,
): Promise<Array<[Error | null, unknown]>> {
  const bySlot = new Map<number, number[]>();
  results.forEach(([err], i) => {
    const command = commands[i];
    if (!command || !wasNotRun(err)) return;
    const slot = keySlot(command.key);
    const list = bySlot.get(slot);
    if (list) list.push(i);
    else bySlot.set(slot, [i]);
  });
  if (bySlot.size === 0) return results;
  const out = [...results];
  await Promise.all(
    [...bySlot.values()].map(async (indexes) => {
      for (const i of indexes) out[i] = await runAlone(client, commands[i] as QueuedCommand);
    }),
  );
  return out;
}

async function runAlone(client: RedisClient, command: QueuedCommand): Promise<[Error | null, unknown]> {
  loadScripts(client);
  const method = (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
    command.method
  ];
  if (typeof method !== 'function') return [new Error(`cannot replay ${command.method}`), null];
  try {
    // The client itself, not a pipeline: ioredis follows the redirection, and a script that
    // was never loaded on the new master falls back from EVALSHA to EVAL.
    return [null, await whileMigrating(() => method.apply(client, command.args as unknown[]))];
  } catch (err) {
    return [err as Error, null];
  }
}
