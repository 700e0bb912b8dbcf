import os from 'node:os';

/** One benchmark's result: rows of measured values, ratios included. */
export interface BenchResult {
  name: string;
  rows: { label: string; value: number; unit: string }[];
  /** Optional free text (targets, what was compared). */
  notes?: string;
}

/** The `q` quantile of ascending `sorted` values (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}

export function toMarkdown(results: BenchResult[], when: Date): string {
  const parts = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (never part of `npm test`). Each benchmark measures its baseline',
    'in the same run, so the ratios, not the absolute numbers, are what to compare between machines.',
    '',
    `- Machine: ${machineLine()}`,
    `- Run: ${when.toISOString()}`,
    '- Command: `npm run bench`',
    '',
  ];
  for (const result of results) {
    parts.push(`## ${result.name}`, '');
    if (result.notes) parts.push(result.notes, '');
    parts.push('| Measure | Value | Unit |', '| --- | ---: | --- |');
    for (const row of result.rows) parts.push(`| ${row.label} | ${format(row.value)} | ${row.unit} |`);
    parts.push('');
  }
  return parts.join('\n');
}
