import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import type { ExchangeKind } from '../config/types.ts';

/** The file a service writes into its data dir to say which exchange fills that dir's Redis. */
export const EXCHANGE_MARKER_FILE = 'exchange.json';

export const EXCHANGE_KINDS: readonly ExchangeKind[] = ['binance', 'simulated'];

interface ExchangeMarker {
  exchange: ExchangeKind;
  role: string;
  pid: number;
  writtenAt: string;
}

/**
 * Records the exchange of a service (`demo` → simulated) in its data dir, so one-shot commands
 * on that dir (`warmup`, `history fetch`, `market`) use the same exchange instead of going to
 * Binance beside a simulated demo. Written atomically: a reader never sees half a file.
 */
export async function recordServiceExchange(
  dataDir: string,
  exchange: ExchangeKind,
  role: string,
): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, EXCHANGE_MARKER_FILE);
  const marker: ExchangeMarker = { exchange, role, pid: process.pid, writtenAt: new Date().toISOString() };
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(marker)}\n`, { mode: 0o644 });
  await rename(tmp, file);
}

async function readMarker(dataDir: string): Promise<ExchangeMarker | null> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dataDir, EXCHANGE_MARKER_FILE), 'utf8')) as unknown;
    const exchange = (parsed as { exchange?: unknown } | null)?.exchange;
    if (typeof exchange !== 'string' || !(EXCHANGE_KINDS as readonly string[]).includes(exchange))
      return null;
    return parsed as ExchangeMarker;
  } catch {
    // Missing or unreadable: the dir says nothing, the default applies.
    return null;
  }
}

/** Which exchange a one-shot command uses, and the line that tells the user why. */
export interface ExchangeChoice {
  kind: ExchangeKind;
  because: string;
}

/**
 * `--exchange` wins, then an explicit `EXCHANGE`, then the data dir's marker (the service running
 * there, e.g. the demo), else Binance.
 */
export async function chooseExchange(input: {
  flag: string | undefined;
  env: string | undefined;
  dataDir: string;
}): Promise<ExchangeChoice> {
  // The flag's values are checked by commander (`choices`): a bad one is a usage error.
  if (input.flag !== undefined) return { kind: input.flag as ExchangeKind, because: '--exchange' };
  if (input.env !== undefined && input.env.trim() !== '') {
    // Checked (exit 2 when bad) by the config, which reads it.
    return { kind: input.env.trim() as ExchangeKind, because: 'EXCHANGE' };
  }
  const marker = await readMarker(input.dataDir);
  if (marker) {
    return {
      kind: marker.exchange,
      because: `recorded by \`tradecache ${marker.role}\` in ${path.join(input.dataDir, EXCHANGE_MARKER_FILE)}`,
    };
  }
  return { kind: 'binance', because: 'the default' };
}

/** The stderr line naming the exchange a command used. */
export function describeExchangeChoice(choice: ExchangeChoice): string {
  return `tradecache: exchange ${choice.kind} (${choice.because}; --exchange binance|simulated to choose)\n`;
}

/** `--exchange binance|simulated` of the commands that reach the exchange or its data. */
export const exchangeOption = (): Option =>
  new Option(
    '--exchange <exchange>',
    'binance or simulated (default: EXCHANGE, else what the service on this data dir recorded, else binance)',
  ).choices(EXCHANGE_KINDS);
