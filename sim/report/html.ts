/**
 * The report as one self-contained HTML page (inline CSS and SVG, no scripts, no external
 * assets): the verdict, every scenario with its expectations and traffic, the sequence chart
 * of one scenario, bytes on the air per scenario, and the fleet's latency and bytes.
 */
import type { Report, ScenarioEntry } from './report.ts';
import { barChart, esc, histogramChart, num } from './svg.ts';
import { sequenceChart } from './msc.ts';
import { DEFAULT_EPOCH_MS, DEFAULT_UTC_OFFSET_MINUTES } from '../core/sim.ts';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1180px; color: #1d232a; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 34px; border-bottom: 1px solid #d8dde3; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 4px; } p.sub { color: #5b6570; margin-top: 0; }
.verdict { display: inline-block; padding: 6px 12px; border-radius: 4px; font-weight: 600; color: #fff; }
.ok { background: #2e7d32; } .bad { background: #c62828; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f3f5f7; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.tag { font-size: 11px; padding: 1px 6px; border-radius: 3px; color: #fff; } .security { background: #6a3d9a; } .service { background: #1f78b4; }
.pass { color: #2e7d32; font-weight: 600; } .fail { color: #c62828; font-weight: 600; }
.detail { color: #5b6570; font-size: 12px; } .box { overflow-x: auto; border: 1px solid #e4e7eb; border-radius: 4px; padding: 8px; background: #fff; }
svg text { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; } .title { font: 600 13px system-ui, sans-serif; }
.small { font-size: 11px; fill: #1d232a; } .tiny { font-size: 10px; fill: #5b6570; } .axis { stroke: #8a949e; }
.lane-head { fill: #eef2f6; stroke: #8a949e; } .lane-name { font: 600 12px system-ui, sans-serif; } .lifeline { stroke: #b7c0c9; stroke-dasharray: 4 3; }
.msg { stroke: #333; stroke-width: 1.2; } .lost { stroke: #c62828; stroke-width: 1.2; stroke-dasharray: 3 2; } .cross { fill: #c62828; font-size: 13px; }
.lost-text { fill: #c62828; } .note { fill: #fff8d6; stroke: #d9c36a; } .gap { stroke: #8a949e; stroke-dasharray: 1 4; } .gap-text { font-style: italic; }
.mark { stroke: #c62828; stroke-dasharray: 3 2; } .mark-text { fill: #c62828; }
`;

function localTime(t: number): string {
  const d = new Date(DEFAULT_EPOCH_MS + t + DEFAULT_UTC_OFFSET_MINUTES * 60000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds()) + '.' + p(d.getUTCMilliseconds(), 3);
}

function seconds(ms: number): string {
  return ms >= 3600000 ? (ms / 3600000).toFixed(1) + ' h' : ms >= 60000 ? (ms / 60000).toFixed(1) + ' min' : (ms / 1000).toFixed(1) + ' s';
}

function scenarioSection(s: ScenarioEntry): string {
  const rows = s.expectations.map((e) => `<tr><td><span class="tag ${e.kind}">${e.kind}</span></td><td>${esc(e.name)}` +
    (e.detail ? `<div class="detail">${esc(e.detail)}</div>` : '') + `</td><td class="${e.passed ? 'pass' : 'fail'}">${e.passed ? 'holds' : 'VIOLATED'}</td></tr>`).join('\n');
  const c = s.counters;
  const dropped = Object.keys(c.dropped).sort().map((k) => k + ' ' + c.dropped[k]).join(', ') || 'none';
  return `<h3 id="${esc(s.name)}"><span class="${s.passed ? 'pass' : 'fail'}">${s.passed ? 'PASS' : 'FAIL'}</span> ${esc(s.name)} — ${esc(s.title)}</h3>
<p class="sub">${esc(s.description)}</p>
${s.error ? `<p class="fail">Run ended early: ${esc(s.error)}</p>` : ''}
<table><tr><th style="width:80px">kind</th><th>expectation</th><th style="width:90px">result</th></tr>
${rows}</table>
<p class="detail">${seconds(s.virtualMs)} of virtual time (until ${esc(s.endsAtLocal)} local) · ${c.datagrams} datagrams, ${c.coapBytes} CoAP bytes,
${c.airBytes} bytes on air, ${c.retransmissions} retransmissions, dropped: ${esc(dropped)}` +
  (c.bleFragments > 0 ? ` · ${c.bleFragments} BLE PDUs, ${c.bleDisconnects} disconnects, ${c.bleReconnects} reconnections` : '') +
  ` · link-event digest ${s.linkDigest.slice(0, 16)}…</p>`;
}

function fleetSection(r: Report): string {
  const f = r.fleet;
  if (f === null) return '';
  const o = f.options;
  const failures = Object.keys(f.failures).sort().map((k) => `<li>${esc(k)}: ${f.failures[k]}</li>`).join('') || '<li>none</li>';
  const t = f.timeToUnlockMs;
  const a = f.airBytesPerUnlock;
  const marks = (s: typeof t): Array<[number, string]> => [[s.p50, 'p50 ' + num(s.p50)], [s.p90, 'p90 ' + num(s.p90)], [s.p99, 'p99 ' + num(s.p99)]];
  return `<h2>Fleet</h2>
<p>${o.devices} locks (${Math.round(o.connected * 100)}% connected), ${o.phones} phones (${Math.round(o.ble * 100)}% over BLE,
${Math.round(o.strangers * 100)}% without permission), loss ${o.loss} on every link, seed ${esc(o.seed)}.</p>
<table>
<tr><th>legitimate phones</th><th>unlocked</th><th>success rate</th><th>strangers refused</th><th>violations</th><th>virtual time</th></tr>
<tr><td class="num">${f.legitimate}</td><td class="num">${f.unlocked}</td><td class="num">${num(f.successRate)} %</td>
<td class="num">${f.strangersRefused} / ${f.strangers}</td><td class="num ${f.violations.length ? 'fail' : 'pass'}">${f.violations.length}</td><td class="num">${seconds(f.virtualMs)}</td></tr></table>
<table><tr><th>per successful unlock</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>
<tr><td>time to unlock (ms, virtual)</td><td class="num">${num(t.mean)}</td><td class="num">${num(t.p50)}</td><td class="num">${num(t.p90)}</td><td class="num">${num(t.p99)}</td><td class="num">${num(t.max)}</td></tr>
<tr><td>bytes on air</td><td class="num">${num(a.mean)}</td><td class="num">${num(a.p50)}</td><td class="num">${num(a.p90)}</td><td class="num">${num(a.p99)}</td><td class="num">${num(a.max)}</td></tr>
<tr><td>CoAP retransmissions</td><td class="num">${num(f.retransmissionsPerUnlock.mean)}</td><td class="num">${num(f.retransmissionsPerUnlock.p50)}</td>
<td class="num">${num(f.retransmissionsPerUnlock.p90)}</td><td class="num">${num(f.retransmissionsPerUnlock.p99)}</td><td class="num">${num(f.retransmissionsPerUnlock.max)}</td></tr></table>
<p>Failures of legitimate phones:</p><ul>${failures}</ul>
${f.violations.length ? '<p class="fail">Violations:</p><ul>' + f.violations.map((v) => `<li>${esc(v)}</li>`).join('') + '</ul>' : ''}
<div class="box">${histogramChart('Time to unlock (virtual), successful phones', 'ms', f.latencyHistogram.bucketMs, f.latencyHistogram.counts, marks(t))}</div>
<div class="box">${histogramChart('Bytes on air per unlock (the phone\'s exchanges with AS and lock)', 'bytes', f.airBytesHistogram.bucketBytes, f.airBytesHistogram.counts, marks(a))}</div>`;
}

export function reportHtml(r: Report): string {
  const s = r.summary;
  const ok = s.failed === 0 && s.fleetViolations === 0;
  const index = r.scenarios.map((x) => `<tr><td><a href="#${esc(x.name)}">${esc(x.name)}</a></td><td>${esc(x.title)}</td>` +
    `<td class="${x.passed ? 'pass' : 'fail'}">${x.passed ? 'PASS' : 'FAIL'}</td><td class="num">${x.expectations.length}</td>` +
    `<td class="num">${x.counters.datagrams}</td><td class="num">${x.counters.airBytes}</td><td class="num">${x.counters.retransmissions}</td></tr>`).join('\n');
  const bytes = r.scenarios.length === 0 ? '' : `<div class="box">${barChart('Bytes per scenario', 'bytes',
    [{ name: 'CoAP bytes', color: '#7fb2dc' }, { name: 'bytes on air', color: '#2b5d8a' }],
    r.scenarios.map((x) => ({ label: x.name, values: [x.counters.coapBytes, x.counters.airBytes] })))}</div>`;
  const chart = r.chart === null ? '' : `<h2>Message sequence chart: ${esc(r.chart.scenario)}</h2>
<p class="sub">Every datagram on the simulated links, in the order sent, with the simulated local time. Under OSCORE only the outer
message is visible (POST/FETCH and 2.04/2.05 outer codes); the notes say what the nodes made of it.</p>
<div class="box">${sequenceChart(r.chart, localTime)}</div>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ace-sim report</title><style>${STYLE}</style></head>
<body>
<h1>ace-sim report</h1>
<p class="sub">ACE-OAuth (RFC 9200) with the OSCORE profile (RFC 9203): the real device runtime, a reference AS and phone clients over simulated links, in virtual time. Command <code>${esc(r.command)}</code>, seed ${esc(r.seed)}.</p>
<p><span class="verdict ${ok ? 'ok' : 'bad'}">${ok ? 'All expectations hold' : 'Expectations violated'}</span>
&nbsp; ${s.passed}/${s.scenarios} scenarios passed · ${s.securityExpectations} security expectations, ${s.securityViolations} violated ·
${s.serviceFailures} service failures${r.fleet ? ' · fleet violations ' + s.fleetViolations : ''}</p>
${r.scenarios.length ? `<h2>Scenarios</h2><table><tr><th>name</th><th>story</th><th>result</th><th>checks</th><th>datagrams</th><th>bytes on air</th><th>retrans.</th></tr>
${index}</table>${bytes}` : ''}
${chart}
${fleetSection(r)}
${r.scenarios.length ? '<h2>Scenario details</h2>' + r.scenarios.map(scenarioSection).join('\n') : ''}
</body></html>
`;
}
