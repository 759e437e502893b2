/**
 * How evenly connections sit on a host's workers: each worker's count, their mean, and the
 * largest deviation from the mean in percent (issue 16: a storm lands within ±10 % on each worker).
 */
export interface Spread {
  counts: number[];
  mean: number;
  /** Largest |count − mean| / mean, in percent; 0 for no connections. */
  maxDeviationPercent: number;
}

export function spreadOf(counts: readonly number[]): Spread {
  const total = counts.reduce((a, n) => a + n, 0);
  const mean = counts.length > 0 ? total / counts.length : 0;
  const worst = counts.reduce((a, n) => Math.max(a, Math.abs(n - mean)), 0);
  return { counts: [...counts], mean, maxDeviationPercent: mean > 0 ? (worst / mean) * 100 : 0 };
}

/** `10,012 / 9,988 (mean 10,000, max deviation 0.1 %)` */
export function formatSpread(spread: Spread): string {
  const n = (v: number): string => Math.round(v).toLocaleString('en-US');
  return `${spread.counts.map(n).join(' / ')} (mean ${n(spread.mean)}, max deviation ${spread.maxDeviationPercent.toFixed(1)} %)`;
}
