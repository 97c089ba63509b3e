/**
 * ace-sim: runs the simulator's scenarios and fleets, writes report.json (for CI) and
 * index.html to --out, and exits non-zero when any expectation is violated.
 *
 *   ace-sim run [--scenario NAME]... [--seed S] [--out DIR] [--no-fleet]
 *   ace-sim fleet --devices N --phones M --loss P [--seed S] [--ble F] [--connected F] [--strangers F] [--out DIR]
 *   ace-sim list
 */
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SCENARIOS, CHART_SCENARIO, scenarioNamed } from './scenarios/index.ts';
import { runScenario } from './scenarios/scenario.ts';
import type { ScenarioResult } from './scenarios/scenario.ts';
import { runFleet } from './fleet/fleet.ts';
import type { FleetOptions, FleetResult } from './fleet/fleet.ts';
import { buildReport, failed, reportJson } from './report/report.ts';
import type { Report } from './report/report.ts';
import { reportHtml } from './report/html.ts';

export const EXIT_OK = 0;
export const EXIT_VIOLATED = 1;
export const EXIT_USAGE = 2;

const HELP = `ace-sim — ACE/OSCORE device runtime, reference AS and phones over simulated links, in virtual time

Usage:
  ace-sim run   [--scenario NAME]... [--seed S] [--out DIR] [--no-fleet]
        Runs every scenario (or the ones named) and a 100-lock fleet, writes the report.
  ace-sim fleet --devices N --phones M --loss P [--seed S] [--ble F] [--connected F] [--strangers F] [--out DIR]
        Runs N locks and M phones at once; reports success rate, time to unlock, bytes on air
        and retransmissions per unlock.
  ace-sim list  Lists the scenarios.

Options:
  --seed S      the run's seed (default 1); the same seed gives the same report, byte for byte
  --out DIR     where report.json and index.html go (default ./sim-report)
  --loss P      loss probability on every link, 0 <= P < 1
  --ble F       fraction of phones reaching their lock over BLE (default 0.25)
  --connected F fraction of connected locks, using introspection (default 0.25)
  --strangers F fraction of phones without permission, which must be refused (default 0.05)
  --quiet       print only the verdict
  -h, --help    this text

Exit status: 0 all expectations hold; 1 a security or service expectation failed (or a
fleet violation); 2 bad arguments.`;

class Usage extends Error {}

const OPTIONS = {
  scenario: { type: 'string', multiple: true },
  seed: { type: 'string' },
  out: { type: 'string' },
  'no-fleet': { type: 'boolean' },
  devices: { type: 'string' },
  phones: { type: 'string' },
  loss: { type: 'string' },
  ble: { type: 'string' },
  connected: { type: 'string' },
  strangers: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function integer(v: string | undefined, name: string, max: number): number {
  if (v === undefined) throw new Usage('--' + name + ' is required');
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new Usage('--' + name + ' must be an integer 1..' + max + ' (got ' + JSON.stringify(v) + ')');
  return Number(v);
}

function fraction(v: string | undefined, name: string, fallback: number | null): number {
  if (v === undefined) {
    if (fallback === null) throw new Usage('--' + name + ' is required');
    return fallback;
  }
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n < 1)) throw new Usage('--' + name + ' must be a number with 0 <= ' + name + ' < 1 (got ' + JSON.stringify(v) + ')');
  return n;
}

function seedOf(v: Values): string {
  const s = v.seed ?? '1';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(s)) throw new Usage('--seed must be 1-64 letters, digits, ".", "_" or "-"');
  return s;
}

/** Only the options a command takes. */
function allow(v: Values, command: string, allowed: string[]): void {
  for (const k of Object.keys(v)) {
    if (v[k as keyof Values] !== undefined && allowed.indexOf(k) < 0 && k !== 'help') throw new Usage('--' + k + ' is not an option of ' + command);
  }
}

type Print = (line: string) => void;

function writeReport(report: Report, out: string, print: Print): void {
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), reportJson(report));
  writeFileSync(join(dir, 'index.html'), reportHtml(report));
  print('report: ' + join(dir, 'report.json') + ', ' + join(dir, 'index.html'));
}

function fleetLine(f: FleetResult): string {
  return `fleet: ${f.options.devices} locks, ${f.options.phones} phones, loss ${f.options.loss}: ${f.unlocked}/${f.legitimate} unlocked ` +
    `(${f.successRate} %), time to unlock p50 ${f.timeToUnlockMs.p50} ms p90 ${f.timeToUnlockMs.p90} ms p99 ${f.timeToUnlockMs.p99} ms, ` +
    `${f.airBytesPerUnlock.mean} B on air and ${f.retransmissionsPerUnlock.mean} retransmissions per unlock, ` +
    `strangers refused ${f.strangersRefused}/${f.strangers}, violations ${f.violations.length}`;
}

async function fleetTimed(o: FleetOptions, print: Print): Promise<FleetResult> {
  const t0 = performance.now();
  const f = await runFleet(o);
  print(fleetLine(f) + ` [${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${f.events} events]`);
  for (const v of f.violations) print('  VIOLATION ' + v);
  return f;
}

async function run(v: Values, print: Print, quiet: boolean): Promise<number> {
  allow(v, 'run', ['scenario', 'seed', 'out', 'no-fleet', 'quiet']);
  const seed = seedOf(v);
  const chosen = (v.scenario ?? []).map((name) => {
    const s = scenarioNamed(name);
    if (s === null) throw new Usage('no scenario ' + JSON.stringify(name) + ' (ace-sim list names them)');
    return s;
  });
  const scenarios = chosen.length > 0 ? chosen : SCENARIOS;
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    const t0 = performance.now();
    const r = await runScenario(s, seed);
    results.push(r);
    const wall = ((performance.now() - t0) / 1000).toFixed(2);
    if (!quiet || !r.passed) print(`${r.passed ? 'PASS' : 'FAIL'} ${r.name} (${r.expectations.length} checks, ${wall} s wall)`);
    for (const e of r.expectations) if (!e.passed) print(`  ${e.kind === 'security' ? 'SECURITY VIOLATION' : 'SERVICE FAILURE'}: ${e.name}${e.detail ? ' — ' + e.detail : ''}`);
    if (r.error !== null) print('  ERROR: ' + r.error);
  }
  const fleet = v['no-fleet'] || chosen.length > 0 ? null : await fleetTimed({ devices: 100, phones: 100, loss: 0.05, seed }, quiet ? () => undefined : print);
  const chart = results.some((r) => r.name === CHART_SCENARIO) ? CHART_SCENARIO : results[0]?.name ?? null;
  const report = buildReport('run' + (chosen.length ? ' ' + chosen.map((s) => '--scenario ' + s.name).join(' ') : ''), seed, results, chart, fleet);
  writeReport(report, v.out ?? 'sim-report', quiet ? () => undefined : print);
  const bad = failed(report);
  print(`${bad ? 'FAILED' : 'OK'}: ${report.summary.passed}/${report.summary.scenarios} scenarios passed, ` +
    `${report.summary.securityViolations} security violations, ${report.summary.serviceFailures} service failures` +
    (fleet ? `, ${report.summary.fleetViolations} fleet violations` : ''));
  return bad ? EXIT_VIOLATED : EXIT_OK;
}

async function fleet(v: Values, print: Print, quiet: boolean): Promise<number> {
  allow(v, 'fleet', ['devices', 'phones', 'loss', 'seed', 'ble', 'connected', 'strangers', 'out', 'quiet']);
  const o: FleetOptions = {
    devices: integer(v.devices, 'devices', 100000),
    phones: integer(v.phones, 'phones', 100000),
    loss: fraction(v.loss, 'loss', null),
    seed: seedOf(v),
    ble: fraction(v.ble, 'ble', 0.25),
    connected: fraction(v.connected, 'connected', 0.25),
    strangers: fraction(v.strangers, 'strangers', 0.05),
  };
  const f = await fleetTimed(o, print);
  const report = buildReport('fleet --devices ' + o.devices + ' --phones ' + o.phones + ' --loss ' + o.loss, o.seed as string, [], null, f);
  writeReport(report, v.out ?? 'sim-report', quiet ? () => undefined : print);
  return failed(report) ? EXIT_VIOLATED : EXIT_OK;
}

export async function main(argv: string[], print: Print = (l) => console.log(l), printError: Print = (l) => console.error(l)): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (e) {
      throw new Usage((e as Error).message.split('\n')[0]);
    }
    const v = parsed.values;
    const [command, ...rest] = parsed.positionals;
    if (v.help || command === 'help') {
      print(HELP);
      return EXIT_OK;
    }
    if (rest.length > 0) throw new Usage('unexpected argument ' + JSON.stringify(rest[0]));
    const quiet = v.quiet === true;
    if (command === 'run') return await run(v, print, quiet);
    if (command === 'fleet') return await fleet(v, print, quiet);
    if (command === 'list') {
      allow(v, 'list', []);
      for (const s of SCENARIOS) print(s.name.padEnd(28) + s.title);
      return EXIT_OK;
    }
    throw new Usage(command === undefined ? 'a command is needed: run, fleet or list' : 'unknown command ' + JSON.stringify(command));
  } catch (e) {
    if (e instanceof Usage || e instanceof RangeError) {
      printError('ace-sim: ' + e.message + ' (ace-sim --help)');
      return EXIT_USAGE;
    }
    throw e;
  }
}
