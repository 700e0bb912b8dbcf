/**
 * Decimal-string formatting in the Binance style: spot pads to 8 decimals, futures use the
 * symbol's own precision. Values are rounded to the tick/step first so strings look like real
 * exchange data (no float noise such as 0.30000000000000004).
 */

/** Number of decimals of a power-of-ten step such as 0.001 (→ 3) or 1 (→ 0). */
export function decimalsOf(step: number): number {
  if (step >= 1) return 0;
  return Math.max(0, Math.round(-Math.log10(step)));
}

/** The power of ten nearest to `x`, clamped to [min, max]. */
export function powerOfTen(exponent: number, minExp: number, maxExp: number): number {
  const e = Math.min(maxExp, Math.max(minExp, exponent));
  return Number(`1e${e}`);
}

/** Rounds `value` to a multiple of 10^-decimals and prints it with `padTo` decimals. */
export function formatDecimal(value: number, decimals: number, padTo = decimals): string {
  const fixed = Number.isFinite(value) ? value.toFixed(decimals) : '0';
  const clean = fixed.startsWith('-') && Number(fixed) === 0 ? fixed.slice(1) : fixed;
  if (padTo <= decimals) return clean;
  const dot = clean.indexOf('.');
  if (dot === -1) return `${clean}.${'0'.repeat(padTo)}`;
  return clean + '0'.repeat(padTo - (clean.length - dot - 1));
}

/** Prints a step/tick size (e.g. 0.01) with `padTo` decimals. */
export function formatStep(step: number, padTo: number): string {
  return formatDecimal(step, decimalsOf(step), padTo);
}
