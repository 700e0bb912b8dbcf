/**
 * Fault injection: make the simulated exchange fail the way the real one does (connection
 * drops, 5xx, 429/418, slow answers, malformed bodies), from the test process or over HTTP.
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { MarketType } from '../../trading/index.ts';

export const FAULT_MODES = [
  'none',
  'down',
  'error500',
  'rateLimit',
  'banned',
  'slow',
  'garbage',
  'streamClose',
  'streamDown',
  'streamSilent',
  'streamNoPing',
] as const;
/**
 * How a request fails: `down` drops the socket, `slow` answers after `delayMs`, `garbage` sends a
 * wrong body. The `stream*` modes hit the WebSocket streams instead of REST (`path` is ignored):
 * `streamClose` closes every open stream socket once and clears itself; `streamDown` does the
 * same and refuses new stream connections (HTTP 503; `times` counts refusals) until cleared;
 * `streamSilent` keeps sockets open but sends nothing (no data, no pings, no pongs, no answers);
 * `streamNoPing` keeps the data flowing but neither sends pings nor answers the client's.
 */
export type FaultMode = (typeof FAULT_MODES)[number];

/** The fault modes that hit WebSocket streams rather than REST requests. */
export const STREAM_FAULT_MODES: ReadonlySet<FaultMode> = new Set<FaultMode>([
  'streamClose',
  'streamDown',
  'streamSilent',
  'streamNoPing',
]);

/** A standing stream condition, as the stream server checks it. */
export type StreamFaultMode = 'streamDown' | 'streamSilent' | 'streamNoPing';

/** A fault to inject. Scope it with `market` and `path`; `times` limits how many requests it hits. */
export interface FaultSpec {
  readonly mode: FaultMode;
  /** @default 'all' */
  readonly market?: MarketType | 'all';
  /** Exact path (`/api/v3/klines`) or its last segment(s) (`klines`, `ticker/price`); all paths when absent. */
  readonly path?: string;
  /** Retry-After for `rateLimit` and `banned`; default: seconds to the next minute (429) or 120 (418). */
  readonly retryAfterSec?: number;
  /** Delay for `slow`. @default 2000 */
  readonly delayMs?: number;
  /** How many matching requests fail before the fault clears itself; unlimited when absent. */
  readonly times?: number;
}

/** An active fault as listed by `faults.list()` (`remaining` is null when unlimited). */
export interface ActiveFault extends FaultSpec {
  readonly remaining: number | null;
}

/** Controls the faults of one simulated exchange. */
export interface FaultControl {
  /**
   * Adds a fault, replacing one with the same market and path. Mode 'none' removes that scope's
   * fault, or every fault when given without market and path.
   */
  set(spec: FaultSpec): void;
  /** Removes every fault. */
  clear(): void;
  /** Faults currently active, newest first. */
  list(): ActiveFault[];
}

interface Slot {
  spec: FaultSpec;
  remaining: number | null;
}

/** Keeps the active faults and hands out the one that hits a request. */
export class FaultTable implements FaultControl {
  #slots: Slot[] = [];
  /** Told of every fault set (after validation): the stream server acts on `streamClose`/`streamDown`. */
  onSet: ((spec: FaultSpec) => void) | null = null;

  set(spec: FaultSpec): void {
    const checked = validateFault(spec);
    this.onSet?.(checked);
    // A one-shot action, not a standing condition: nothing to keep.
    if (checked.mode === 'streamClose') return;
    // A bare {mode:'none'} means "healthy again" everywhere, the way tests usually mean it.
    if (checked.mode === 'none' && checked.market === undefined && checked.path === undefined) {
      this.clear();
      return;
    }
    const scope = scopeKey(checked);
    this.#slots = this.#slots.filter((s) => scopeKey(s.spec) !== scope);
    if (checked.mode === 'none') return;
    this.#slots.unshift({ spec: checked, remaining: checked.times ?? null });
  }

  clear(): void {
    this.#slots = [];
  }

  list(): ActiveFault[] {
    return this.#slots.map((s) => ({ ...s.spec, remaining: s.remaining }));
  }

  /** The fault hitting this request, consuming one of its `times`; undefined when healthy. */
  take(market: MarketType, path: string): FaultSpec | undefined {
    const slot = this.#slots.find(
      (s) => !STREAM_FAULT_MODES.has(s.spec.mode) && matches(s.spec, market, path),
    );
    if (!slot) return undefined;
    if (slot.remaining !== null) {
      slot.remaining -= 1;
      if (slot.remaining <= 0) this.#slots = this.#slots.filter((s) => s !== slot);
    }
    return slot.spec;
  }

  /** The newest standing stream fault of a market, without consuming it; undefined when healthy. */
  streamFault(market: MarketType): StreamFaultMode | undefined {
    const slot = this.#slots.find((s) => STREAM_FAULT_MODES.has(s.spec.mode) && inMarket(s.spec, market));
    return slot?.spec.mode as StreamFaultMode | undefined;
  }

  /** True when a `streamDown` fault refuses this stream connection (consuming one of its `times`). */
  refuseStream(market: MarketType): boolean {
    const slot = this.#slots.find((s) => s.spec.mode === 'streamDown' && inMarket(s.spec, market));
    if (!slot) return false;
    if (slot.remaining !== null) {
      slot.remaining -= 1;
      if (slot.remaining <= 0) this.#slots = this.#slots.filter((s) => s !== slot);
    }
    return true;
  }
}

function inMarket(spec: FaultSpec, market: MarketType): boolean {
  return spec.market === undefined || spec.market === 'all' || spec.market === market;
}

function scopeKey(spec: FaultSpec): string {
  // REST and stream faults are separate conditions: setting one never replaces the other.
  if (STREAM_FAULT_MODES.has(spec.mode)) return `stream ${spec.market ?? 'all'}`;
  return `${spec.market ?? 'all'} ${spec.path ?? '*'}`;
}

function matches(spec: FaultSpec, market: MarketType, path: string): boolean {
  if (spec.market !== undefined && spec.market !== 'all' && spec.market !== market) return false;
  if (spec.path === undefined) return true;
  const wanted = spec.path.startsWith('/') ? spec.path : `/${spec.path}`;
  return path === wanted || path.endsWith(wanted);
}

/** Checks a fault that may come from an HTTP body; throws VALIDATION_FAILED when malformed. */
export function validateFault(input: unknown): FaultSpec {
  const fail = (why: string): never => {
    throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, `Invalid fault: ${why}`, { context: { why } });
  };
  if (typeof input !== 'object' || input === null) return fail('expected an object');
  const spec = input as Record<string, unknown>;
  if (!FAULT_MODES.includes(spec.mode as FaultMode))
    return fail(`mode must be one of ${FAULT_MODES.join(', ')}`);
  if (spec.market !== undefined && !['spot', 'futures', 'all'].includes(spec.market as string)) {
    return fail('market must be spot, futures or all');
  }
  if (spec.path !== undefined && (typeof spec.path !== 'string' || spec.path === ''))
    return fail('path must be a string');
  for (const key of ['retryAfterSec', 'delayMs', 'times'] as const) {
    const value = spec[key];
    if (
      value !== undefined &&
      (typeof value !== 'number' || !Number.isInteger(value) || value < (key === 'times' ? 1 : 0))
    ) {
      fail(`${key} must be a ${key === 'times' ? 'positive' : 'non-negative'} integer`);
    }
  }
  const { mode, market, path, retryAfterSec, delayMs, times } = spec as unknown as FaultSpec;
  return {
    mode,
    ...(market === undefined ? {} : { market }),
    ...(path === undefined ? {} : { path }),
    ...(retryAfterSec === undefined ? {} : { retryAfterSec }),
    ...(delayMs === undefined ? {} : { delayMs }),
    ...(times === undefined ? {} : { times }),
  };
}
