import keySlot from 'cluster-key-slot';
import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from './client.ts';
import { scriptPipeline } from './scripts.ts';

/**
 * The master that serves `key` by the client's slot table (`slot:<n>` while it is not known),
 * `''` on one server: keys with the same answer can share a pipeline.
 */
export function masterOf(client: RedisClient, key: string): string {
  if (!isCluster(client)) return '';
  const slot = keySlot(key);
  return client.slots[slot]?.[0] ?? `slot:${slot}`;
}

/**
 * Pipelines whose commands span hash slots. ioredis refuses a Cluster pipeline whose keys sit
 * on different masters, so each command is queued on the pipeline of the master that owns its
 * key's slot (by the client's slot table; by slot while that is not known yet) and the pipelines
 * run together: one round trip per master, in parallel. On one server there is a single
 * pipeline, as before. Commands on one master keep their order; there is no order between
 * masters (nor atomicity: a pipeline is not a MULTI). A slot that moved meanwhile answers MOVED,
 * which ioredis follows. Our scripts are defined on every pipeline (`scriptPipeline`).
 */
export class SlotPipelines {
  private readonly pipelines = new Map<string, { pipeline: ChainableCommander; order: number[] }>();
  private queued = 0;

  constructor(private readonly client: RedisClient) {}

  /** The pipeline to queue one command on `key` on. Queue exactly one command per call. */
  on(key: string): ChainableCommander {
    const group = this.groupOf(key);
    let entry = this.pipelines.get(group);
    if (!entry) {
      entry = { pipeline: scriptPipeline(this.client), order: [] };
      this.pipelines.set(group, entry);
    }
    entry.order.push(this.queued++);
    return entry.pipeline;
  }

  /** How many pipelines (round trips, run in parallel) `exec` sends. */
  get size(): number {
    return this.pipelines.size;
  }

  private groupOf(key: string): string {
    return masterOf(this.client, key);
  }

  /** Runs every pipeline; replies come back in the order the commands were queued. */
  async exec(): Promise<Array<[Error | null, unknown]>> {
    const out: Array<[Error | null, unknown]> = new Array(this.queued);
    const entries = [...this.pipelines.values()];
    const replies = await Promise.all(entries.map((entry) => entry.pipeline.exec()));
    entries.forEach((entry, i) => {
      const results = replies[i] ?? [];
      entry.order.forEach((index, j) => {
        out[index] = results[j] ?? [new Error('no reply'), null];
      });
    });
    return out;
  }
}
