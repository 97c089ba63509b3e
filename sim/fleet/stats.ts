/** Small deterministic statistics for the reports. */

/** The q-quantile (0..1) of sorted values, nearest rank; NaN for none. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Rounded to 0.1: reports stay readable and byte-identical. */
export function round1(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 10) / 10 : 0;
}

export function summarize(values: number[]): Summary {
  const s = values.slice().sort((a, b) => a - b);
  const mean = s.length === 0 ? 0 : s.reduce((a, b) => a + b, 0) / s.length;
  return {
    count: s.length, mean: round1(mean), p50: round1(quantile(s, 0.5)), p90: round1(quantile(s, 0.9)),
    p99: round1(quantile(s, 0.99)), max: round1(s.length === 0 ? 0 : s[s.length - 1]),
  };
}

/** Counts per bucket of width `width` from 0, the last bucket open-ended. */
export function histogram(values: number[], width: number, buckets: number): number[] {
  const out = new Array<number>(buckets).fill(0);
  for (const v of values) out[Math.min(buckets - 1, Math.max(0, Math.floor(v / width)))]++;
  return out;
}
