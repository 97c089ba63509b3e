/** Plain-text tables and number formats for the benchmark report. */
import type { Summary } from './stats.ts';

export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 100000) return Math.round(n / 1000) + 'k';
  if (n >= 10000) return (n / 1000).toFixed(1) + 'k';
  if (n >= 100) return Math.round(n).toString();
  return n.toFixed(1);
}

export function fmtPct(fraction: number): string {
  return '±' + Math.round((fraction * 100) / 2) + '%';
}

/** "12.3k ±4%": the median and half the min–max spread. */
export function fmtSummary(s: Summary): string {
  return fmtRate(s.median) + ' ' + fmtPct(s.spread);
}

export function fmtRatio(s: Summary | number): string {
  const v = typeof s === 'number' ? s : s.median;
  if (!Number.isFinite(v)) return '-';
  const text = (v >= 10 ? v.toFixed(1) : v.toFixed(2)) + '×';
  return typeof s === 'number' ? text : text + ' ' + fmtPct(s.spread);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 10 ? ms.toFixed(1) : ms.toFixed(3);
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 10240) return (n / 1024).toFixed(1) + ' KiB';
  return Math.round(n) + ' B';
}

/** Prints a titled table; the first column left-aligned, the others right-aligned. */
export function printTable(title: string, header: string[], rows: string[][], notes: string[] = []): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out: string[] = ['', title, '-'.repeat(Math.max(title.length, widths.reduce((a, b) => a + b + 2, -2)))];
  out.push(line(header));
  for (const r of rows) out.push(line(r));
  for (const n of notes) out.push('  ' + n);
  process.stdout.write(out.join('\n') + '\n');
}
