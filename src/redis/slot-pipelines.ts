import keySlot from 'cluster-key-slot';
import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from './client.ts';
import { scriptPipeline } from './scripts.ts';
import {
  isSlotGroupRefusal,
  type QueuedCommand,
  recordingPipeline,
  replayRedirected,
} from './slot-replay.ts';

interface SlotPipeline {
  /** What callers queue on: `raw` itself, or on a Cluster `raw` behind a recorder. */
  pipeline: ChainableCommander;
  raw: ChainableCommander;
  order: number[];
  /** What was queued, in order (Cluster only): what a redirected command is sent again from. */
  commands: QueuedCommand[];
}

/**
 * The nodes that serve `key` by the client's slot table (its master, then replicas; `slot:<n>`
 * while it is not known), `''` on one server: keys with the same answer can share a pipeline,
 * the same grouping ioredis checks before it sends a Cluster pipeline.
 */
export function masterOf(client: RedisClient, key: string): string {
  if (!isCluster(client)) return '';
  const slot = keySlot(key);
  return client.slots[slot]?.join(';') ?? `slot:${slot}`;
}

/**
 * Pipelines whose commands span hash slots. ioredis refuses a Cluster pipeline whose keys sit
 * on different masters, so each command is queued on the pipeline of the master that owns its
 * key's slot (by the client's slot table; by slot while that is not known yet) and the pipelines
 * run together: one round trip per master, in parallel. On one server there is a single
 * pipeline, as before. Commands on one master keep their order; there is no order between
 * masters (nor atomicity: a pipeline is not a MULTI). Our scripts are defined on every pipeline
 * (`scriptPipeline`).
 *
 * Resharding: ioredis follows MOVED / ASK / TRYAGAIN for a pipeline only when every command got
 * the same one, which a pipeline of several slots never does while one of them moves (the others
 * succeed). Those commands, which Redis did not run, are sent again one by one through the
 * Cluster client, which follows the redirection (see `slot-replay.ts`).
 */
export class SlotPipelines {
  private readonly pipelines = new Map<string, SlotPipeline>();
  private readonly cluster: boolean;
  private queued = 0;
  /** The key of the command being queued (read by the recorder). */
  private key = '';

  constructor(private readonly client: RedisClient) {
    this.cluster = isCluster(client);
  }

  /** The pipeline to queue one command on `key` on. Queue exactly one command per call. */
  on(key: string): ChainableCommander {
    const group = this.groupOf(key);
    this.key = key;
    let entry = this.pipelines.get(group);
    if (!entry) {
      const raw = scriptPipeline(this.client);
      const commands: QueuedCommand[] = [];
      entry = {
        // One server never redirects: nothing to record there.
        pipeline: this.cluster ? recordingPipeline(raw, commands, () => this.key) : raw,
        raw,
        order: [],
        commands,
      };
      this.pipelines.set(group, entry);
    }
    entry.order.push(this.queued++);
    return entry.pipeline;
  }

  /** How many pipelines (round trips, run in parallel) `exec` sends. */
  get size(): number {
    return this.pipelines.size;
  }

  /**
   * The group ioredis checks a pipeline against: the slot's node list (master first), so a slot
   * whose entry was rewritten by a MOVED is not mixed with slots of the old table.
   */
  private groupOf(key: string): string {
    return masterOf(this.client, key);
  }

  /** Runs every pipeline; replies come back in the order the commands were queued. */
  async exec(): Promise<Array<[Error | null, unknown]>> {
    const out: Array<[Error | null, unknown]> = new Array(this.queued);
    const entries = [...this.pipelines.values()];
    const replies = await Promise.all(entries.map((entry) => this.run(entry)));
    entries.forEach((entry, i) => {
      const results = replies[i] ?? [];
      entry.order.forEach((index, j) => {
        out[index] = results[j] ?? [new Error('no reply'), null];
      });
    });
    return out;
  }

  private async run(entry: SlotPipeline): Promise<Array<[Error | null, unknown]>> {
    if (!this.cluster) return (await entry.raw.exec()) ?? [];
    let results: Array<[Error | null, unknown]>;
    try {
      results = (await entry.raw.exec()) ?? [];
    } catch (err) {
      // Refused whole because its slots no longer share a master (the slot table changed under
      // a retry ioredis started): nothing, or only reads, ran, so every command is sent again.
      if (!isSlotGroupRefusal(err)) throw err;
      results = entry.commands.map(() => [err as Error, null]);
    }
    return replayRedirected(this.client, entry.commands, results);
  }
}
