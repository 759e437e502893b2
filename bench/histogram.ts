/**
 * A latency histogram that load-client processes fill and the runner merges: values in
 * milliseconds, kept in buckets of 10 µs below 10 ms, 100 µs below 100 ms and 1 ms above, so a
 * million samples cost a few hundred numbers over IPC. Percentiles are read from bucket
 * midpoints; min, max, count and mean are exact.
 */

/** What travels over IPC: bucket key (µs) and count pairs, and the exact extremes. */
export interface HistogramData {
  buckets: [number, number][];
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Samples below zero (clock disagreement), counted and recorded as 0. */
  negative: number;
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (us < 10_000) return Math.floor(us / 10) * 10;
  if (us < 100_000) return Math.floor(us / 100) * 100;
  return Math.floor(us / 1000) * 1000;
}

function widthOf(bucketUs: number): number {
  if (bucketUs < 10_000) return 10;
  if (bucketUs < 100_000) return 100;
  return 1000;
}

export class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private negative = 0;

  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    let value = ms;
    if (value < 0) {
      this.negative++;
      value = 0;
    }
    const key = bucketOf(value);
    this.buckets.set(key, (this.buckets.get(key) ?? 0) + 1);
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  merge(data: HistogramData): void {
    for (const [key, n] of data.buckets) this.buckets.set(key, (this.buckets.get(key) ?? 0) + n);
    this.count += data.count;
    this.sum += data.sum;
    this.negative += data.negative;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
  }

  toData(): HistogramData {
    return { buckets: [...this.buckets], count: this.count, sum: this.sum, min: this.min, max: this.max, negative: this.negative };
  }

  reset(): void {
    this.buckets.clear();
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.negative = 0;
  }

  /** The value (ms) below which `q` (0-1) of the samples fall; null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const key of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(key) ?? 0;
      if (seen >= rank) return Math.min(this.max, (key + widthOf(key) / 2) / 1000);
    }
    return this.max;
  }

  get negatives(): number {
    return this.negative;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.count > 0 ? this.max : null,
      mean: this.count > 0 ? this.sum / this.count : null,
    };
  }
}
