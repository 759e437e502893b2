/**
 * The chart's y axis: a zero-based scale whose ticks are round numbers (1, 2 or 5 × 10^n apart),
 * whole numbers when the data are counts, and labels written with just the decimals the step
 * needs. So 0.5 pushes/s at most reads 0 / 0.2 / 0.4 / 0.6, not 0 / 0.3 / 0.5 (0.25 rounded to
 * one decimal), and 3 connections read 0 / 1 / 2 / 3, not 0 / 2.5 / 5.
 */

export interface YScale {
  /** The top of the axis (the last tick), > 0. */
  max: number;
  /** Tick values from 0 to `max`, evenly spaced. */
  ticks: number[];
  /** Writes a value with the decimals of the step. */
  format(value: number): string;
}

/** At most this many steps between 0 and the top (so at most 5 tick labels). */
const MAX_STEPS = 4;

/** The smallest of 1, 2, 5 × 10^n at or above `value`. */
function niceStep(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5]) if (step * power >= value * (1 - 1e-9)) return step * power;
  return 10 * power;
}

/** The scale for `values`; `integers` (every value a whole number) keeps the step at 1 or more. */
export function yScale(values: readonly number[]): YScale {
  const finite = values.filter((v) => Number.isFinite(v));
  const highest = Math.max(0, ...finite);
  const integers = finite.every((v) => Number.isInteger(v));
  let step = highest > 0 ? niceStep(highest / MAX_STEPS) : 1;
  if (integers) step = Math.max(1, step);
  const steps = Math.max(1, Math.ceil(highest / step - 1e-9));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toFixed(decimals)));
  return { max: ticks[ticks.length - 1] as number, ticks, format: (value) => value.toFixed(decimals) };
}
