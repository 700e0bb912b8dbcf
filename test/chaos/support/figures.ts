import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where each scenario leaves its figures during a chaos run; the run's teardown renders them. */
export const FIGURES_DIR = path.resolve(import.meta.dirname, '../../../.chaos-results');

/** One scenario's measured figures, in the order they appear in RELIABILITY.md. */
export interface ScenarioFigures {
  /** Stable id, also the section marker in RELIABILITY.md. */
  id: string;
  /** Position of the scenario in RELIABILITY.md. */
  order: number;
  title: string;
  /** What was done to the system, and what must hold. */
  setup: string;
  rows: { measure: string; value: number | string; unit: string }[];
  /** Whether every assertion of the scenario held (written before asserting, so a failure shows). */
  held: boolean;
}

/** Writes a scenario's figures for RELIABILITY.md; call it before the assertions. */
export async function recordFigures(figures: ScenarioFigures): Promise<void> {
  await mkdir(FIGURES_DIR, { recursive: true });
  await writeFile(path.join(FIGURES_DIR, `${figures.id}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}
