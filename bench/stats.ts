/**
 * Sampling and summary statistics for the benchmarks. The machine is shared (2 cores, other
 * engineers' tests), so every figure is a median over interleaved repeats, printed with its
 * spread; no single sample is trusted.
 */
import { performance } from 'node:perf_hooks';

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, as a fraction. */
  spread: number;
  samples: number[];
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The q-quantile (0..1) by nearest rank of a sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(samples: number[]): Summary {
  const m = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return { median: m, min, max, spread: m > 0 ? (max - min) / m : 0, samples };
}

/** One timed case: `op` is called repeatedly; `setup` (untimed) runs before each sample. */
export interface Case {
  name: string;
  op: () => void;
  /** Untimed preparation before each sample (a fresh store, say). */
  setup?: () => void;
  /** Operations per call of op (a batch), default 1. */
  perCall?: number;
  /** Times itself instead (for work with untimed steps between): ops/s over about `ms` of timed work. */
  run?: (ms: number) => number;
}

export interface SampleOptions {
  /** Target duration of one sample, ms. */
  sampleMs: number;
  /** Samples per case, interleaved round-robin across the cases. */
  rounds: number;
  /** Warm-up per case before the first round, ms. */
  warmupMs: number;
}

/** Runs op for about `ms`; returns operations per second. */
function sample(c: Case, ms: number): number {
  if (c.run) return c.run(ms);
  if (c.setup) c.setup();
  const per = c.perCall ?? 1;
  let calls = 0;
  const start = performance.now();
  let now = start;
  const end = start + ms;
  // check the time every few calls only when calls are very cheap
  let stride = 1;
  while (now < end) {
    for (let i = 0; i < stride; i++) c.op();
    calls += stride;
    now = performance.now();
    if (calls === stride && now - start < ms / 1000) stride = Math.min(stride * 2, 64);
  }
  return (calls * per * 1000) / (now - start);
}

/**
 * Ops/s of each case: a warm-up of each, then `rounds` rounds in which every case is sampled
 * once, so slow drifts of the machine's load hit all cases alike.
 */
export function measureInterleaved(cases: Case[], o: SampleOptions): Summary[] {
  for (const c of cases) sample(c, o.warmupMs);
  const samples: number[][] = cases.map(() => []);
  for (let r = 0; r < o.rounds; r++) {
    for (let i = 0; i < cases.length; i++) samples[i].push(sample(cases[i], o.sampleMs));
  }
  return samples.map(summarize);
}

/** Ratio of medians, with the ratio's spread taken from the per-round ratios. */
export function ratioOf(a: Summary, b: Summary): Summary {
  const n = Math.min(a.samples.length, b.samples.length);
  const r: number[] = [];
  for (let i = 0; i < n; i++) r.push(a.samples[i] / b.samples[i]);
  const s = summarize(r);
  s.median = a.median / b.median;
  return s;
}
