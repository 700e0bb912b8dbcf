import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { machineLine } from '../../../bench/report.ts';
import { FIGURES_DIR, type ScenarioFigures } from './figures.ts';

const REPORT = path.resolve(import.meta.dirname, '../../../RELIABILITY.md');
const COMMAND = 'npm run test:chaos';

const HEADER = [
  '# Reliability',
  '',
  'Written by `npm run test:chaos` (run by `.ci/run` after `npm test`; never part of `npm test`).',
  'Each section is one chaos scenario against real processes: a real `redis-server` killed,',
  'paused and restarted, a real Fastify on a real port, the simulated exchange. The figures are',
  'those of the last run of that scenario; a section says when and where it ran.',
  '',
].join('\n');

function format(value: number | string): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 1000
    ? Math.round(value).toLocaleString('en-US')
    : value.toFixed(value >= 10 ? 1 : 2);
}

function section(figures: ScenarioFigures, when: Date): string {
  const lines = [
    `## ${figures.title}`,
    '',
    figures.setup,
    '',
    `- Machine: ${machineLine()}`,
    `- Run: ${when.toISOString()}`,
    `- Command: \`${COMMAND}\``,
    `- Result: ${figures.held ? 'every check held' : '**a check failed** (see the test output)'}`,
    '',
    '| Measure | Value | Unit |',
    '| --- | ---: | --- |',
    ...figures.rows.map((row) => `| ${row.measure} | ${format(row.value)} | ${row.unit} |`),
    '',
  ];
  return lines.join('\n');
}

/** Sections already in RELIABILITY.md, by scenario id, with their order (kept when not re-run). */
async function existingSections(): Promise<Map<string, { order: number; text: string }>> {
  const sections = new Map<string, { order: number; text: string }>();
  if (!existsSync(REPORT)) return sections;
  const text = await readFile(REPORT, 'utf8');
  const parts = text.split(/^(?=<!-- scenario:)/m).slice(1);
  for (const part of parts) {
    const match = /^<!-- scenario:([\w-]+) order:(\d+) -->\n/.exec(part);
    if (match?.[1] && match[2])
      sections.set(match[1], { order: Number(match[2]), text: part.slice(match[0].length) });
  }
  return sections;
}

/** vitest globalSetup: clears the previous run's figures, then renders RELIABILITY.md from this run's. */
export async function setup(): Promise<void> {
  await rm(FIGURES_DIR, { recursive: true, force: true });
}

export async function teardown(): Promise<void> {
  const files = existsSync(FIGURES_DIR) ? await readdir(FIGURES_DIR) : [];
  if (files.length === 0) return;
  const sections = await existingSections();
  const when = new Date();
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    const figures = JSON.parse(await readFile(path.join(FIGURES_DIR, file), 'utf8')) as ScenarioFigures;
    sections.set(figures.id, { order: figures.order, text: section(figures, when) });
  }
  const ordered = [...sections.entries()].sort((a, b) => a[1].order - b[1].order);
  const body = ordered.map(([id, s]) => `<!-- scenario:${id} order:${s.order} -->\n${s.text.trimEnd()}\n`);
  await writeFile(REPORT, `${HEADER}\n${body.join('\n')}`);
}
