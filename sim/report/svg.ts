/** Inline SVG helpers for the HTML report: text escaping, a bar chart, a histogram. */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A rounded-up axis maximum: 1, 2 or 5 times a power of ten. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export interface BarSeries {
  name: string;
  color: string;
}

/** Horizontal grouped bars: one row per label, one bar per series. */
export function barChart(title: string, unit: string, series: BarSeries[], rows: Array<{ label: string; values: number[] }>): string {
  const labelW = 220;
  const plotW = 460;
  const barH = 9;
  const rowH = series.length * barH + 8;
  const top = 34;
  const height = top + rows.length * rowH + 30;
  // One outlier (a flood) would flatten every other bar: the axis then ends near the runner-up
  // and the outlier's bar is drawn broken, its value written beside it.
  const sorted = rows.map((r) => Math.max(...r.values)).sort((a, b) => b - a);
  const clipped = sorted.length > 1 && sorted[0] > 3 * sorted[1];
  const max = niceMax(Math.max(1, clipped ? sorted[1] * 1.15 : sorted[0] ?? 1));
  const x = (v: number) => labelW + (Math.min(v, max) / max) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 170}" height="${height}" role="img" aria-label="${esc(title)}">`);
  out.push(`<text x="4" y="16" class="title">${esc(title)}</text>`);
  series.forEach((s, i) => {
    out.push(`<rect x="${labelW + i * 150}" y="22" width="10" height="8" fill="${s.color}"/><text x="${labelW + 14 + i * 150}" y="30" class="small">${esc(s.name)}</text>`);
  });
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 6}" y="${y + rowH / 2 + 3}" text-anchor="end" class="small">${esc(r.label)}</text>`);
    r.values.forEach((v, k) => {
      out.push(`<rect x="${labelW}" y="${y + 3 + k * barH}" width="${Math.max(0.5, x(v) - labelW).toFixed(1)}" height="${barH - 1}" fill="${series[k].color}"/>`);
      if (v > max) out.push(`<line x1="${(x(v) - 14).toFixed(1)}" y1="${y + 1 + k * barH}" x2="${(x(v) - 18).toFixed(1)}" y2="${y + 3 + (k + 1) * barH}" stroke="#fff" stroke-width="3"/>`);
      out.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${y + 3 + k * barH + 7}" class="tiny">${num(v)}${v > max ? ' (axis cut)' : ''}</text>`);
    });
  });
  const axisY = top + rows.length * rowH + 4;
  out.push(`<line x1="${labelW}" y1="${axisY}" x2="${labelW + plotW}" y2="${axisY}" class="axis"/>`);
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    out.push(`<text x="${x(v).toFixed(1)}" y="${axisY + 14}" text-anchor="middle" class="tiny">${num(v)}</text>`);
  }
  out.push(`<text x="${labelW + plotW}" y="${axisY + 26}" text-anchor="end" class="tiny">${esc(unit)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** Vertical bars of counts per bucket; the last bucket is open-ended. Marks are (value, label) lines. */
export function histogramChart(title: string, unit: string, bucket: number, counts: number[], marks: Array<[number, string]>): string {
  const left = 46;
  const plotW = 600;
  const plotH = 160;
  const top = 30;
  const bw = plotW / counts.length;
  const max = niceMax(Math.max(1, ...counts));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 20}" height="${top + plotH + 46}" role="img" aria-label="${esc(title)}">`);
  out.push(`<text x="4" y="16" class="title">${esc(title)}</text>`);
  counts.forEach((c, i) => {
    const h = (c / max) * plotH;
    out.push(`<rect x="${(left + i * bw + 1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#4878a8"><title>${num(i * bucket)}${i === counts.length - 1 ? '+' : '-' + num((i + 1) * bucket)} ${esc(unit)}: ${c}</title></rect>`);
  });
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" class="axis"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" class="axis"/>`);
  for (let t = 0; t <= 4; t++) {
    const y = top + plotH - (plotH * t) / 4;
    out.push(`<text x="${left - 4}" y="${y + 3}" text-anchor="end" class="tiny">${num((max * t) / 4)}</text>`);
  }
  const span = bucket * counts.length;
  for (let t = 0; t <= 5; t++) {
    const v = (span * t) / 5;
    out.push(`<text x="${(left + (plotW * t) / 5).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" class="tiny">${num(v)}${t === 5 ? '+' : ''}</text>`);
  }
  out.push(`<text x="${left + plotW}" y="${top + plotH + 28}" text-anchor="end" class="tiny">${esc(unit)}</text>`);
  marks.forEach(([v, label], i) => {
    const mx = left + Math.min(1, v / span) * plotW;
    const nearEnd = mx > left + plotW - 80;
    out.push(`<line x1="${mx.toFixed(1)}" y1="${top - 4}" x2="${mx.toFixed(1)}" y2="${top + plotH}" class="mark"/><text x="${(nearEnd ? mx - 3 : mx + 3).toFixed(1)}" y="${top + 6 + i * 11}"${nearEnd ? ' text-anchor="end"' : ''} class="tiny mark-text">${esc(label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
