/**
 * A message sequence chart of one scenario as inline SVG: a lifeline per node, one row per
 * datagram in the order sent (an arrow from sender to receiver; a lost one ends in a red cross
 * with the reason), notes of what the nodes did on their lifelines, the simulated local time
 * of each row on the left, and a marker where hours pass without traffic.
 */
import type { Chart } from './report.ts';
import { esc } from './svg.ts';

const LEFT = 118;
const LANE_W = 230;
const ROW_H = 20;
const TOP = 46;
const GAP_MS = 60000;
/** Width of one character of the 11 px monospace labels, and the longest note shown whole. */
const CHAR_W = 6.7;
const NOTE_CHARS = 96;

interface Row {
  t: number;
  kind: 'msg' | 'note' | 'gap';
  index: number;
}

function duration(ms: number): string {
  const m = Math.round(ms / 60000);
  return m >= 120 ? Math.round(m / 60) + ' h later' : m + ' min later';
}

export function sequenceChart(chart: Chart, localTime: (t: number) => string): string {
  const lanes = chart.lanes.slice();
  for (const n of chart.notes) if (lanes.indexOf(n.lane) < 0) lanes.push(n.lane);
  const laneX = (name: string) => LEFT + 70 + lanes.indexOf(name) * LANE_W;
  const events: Row[] = [];
  chart.messages.forEach((m, i) => events.push({ t: m.sent, kind: 'msg', index: i }));
  chart.notes.forEach((n, i) => events.push({ t: n.t, kind: 'note', index: i }));
  events.sort((a, b) => a.t - b.t || (a.kind === b.kind ? a.index - b.index : a.kind === 'msg' ? -1 : 1));
  const rows: Row[] = [];
  let last = -Infinity;
  for (const e of events) {
    if (last !== -Infinity && e.t - last > GAP_MS) rows.push({ t: e.t - last, kind: 'gap', index: -1 });
    rows.push(e);
    last = e.t;
  }
  const longest = Math.max(0, ...chart.notes.map((n) => laneX(n.lane) + 12 + Math.min(NOTE_CHARS, n.text.length) * CHAR_W));
  const width = Math.max(LEFT + 70 + (lanes.length - 1) * LANE_W + 140, Math.ceil(longest) + 10);
  const height = TOP + rows.length * ROW_H + 20;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="message sequence chart">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
    '<path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>');
  for (const lane of lanes) {
    const x = laneX(lane);
    out.push(`<rect x="${x - 70}" y="8" width="140" height="24" rx="4" class="lane-head"/><text x="${x}" y="24" text-anchor="middle" class="lane-name">${esc(lane)}</text>`);
    out.push(`<line x1="${x}" y1="32" x2="${x}" y2="${height - 8}" class="lifeline"/>`);
  }
  rows.forEach((r, i) => {
    const y = TOP + i * ROW_H;
    if (r.kind === 'gap') {
      out.push(`<line x1="8" y1="${y}" x2="${width - 8}" y2="${y}" class="gap"/><text x="${LEFT - 8}" y="${y + 4}" text-anchor="end" class="tiny gap-text">… ${duration(r.t)}</text>`);
      return;
    }
    out.push(`<text x="${LEFT - 8}" y="${y + 4}" text-anchor="end" class="tiny">${esc(localTime(r.t))}</text>`);
    if (r.kind === 'note') {
      const n = chart.notes[r.index];
      const x = laneX(n.lane);
      const text = n.text.length > NOTE_CHARS ? n.text.slice(0, NOTE_CHARS - 1) + '…' : n.text;
      const w = 12 + text.length * CHAR_W;
      out.push(`<rect x="${x - 6}" y="${y - 8}" width="${w.toFixed(0)}" height="15" rx="3" class="note"><title>${esc(n.text)}</title></rect>` +
        `<text x="${x}" y="${y + 3}" class="small">${esc(text)}</text>`);
      return;
    }
    const m = chart.messages[r.index];
    const x1 = laneX(m.from);
    const x2 = laneX(m.to);
    const label = m.label + (m.fragments > 1 ? ' [' + m.fragments + ' GATT fragments]' : '') + ' · ' + m.bytes + ' B';
    const tx = Math.min(x1, x2) + 6;
    if (m.dropped !== null) {
      const xe = x1 + (x2 - x1) * 0.55;
      out.push(`<line x1="${x1}" y1="${y}" x2="${xe.toFixed(1)}" y2="${y}" class="lost"/>`);
      out.push(`<text x="${xe.toFixed(1)}" y="${y + 4}" text-anchor="middle" class="cross">✕</text>`);
      out.push(`<text x="${tx}" y="${y - 4}" class="small lost-text">${esc(label + ' — ' + m.dropped)}</text>`);
    } else {
      out.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" class="msg" marker-end="url(#arrow)"/>`);
      out.push(`<text x="${tx}" y="${y - 4}" class="small">${esc(label)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('\n');
}
