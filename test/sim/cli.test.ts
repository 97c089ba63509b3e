/** ace-sim's command line: help, list, a scenario run with its report, a fleet, bad arguments. */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, EXIT_OK, EXIT_USAGE } from '../../sim/cli.ts';

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

test.serial('bad arguments give one clear line and exit 2', async (t) => {
  for (const args of [[], ['frobnicate'], ['run', '--bogus'], ['fleet', '--devices', '10', '--phones', '10'], ['fleet', '--devices', 'ten', '--phones', '1', '--loss', '0'],
    ['fleet', '--devices', '1', '--phones', '1', '--loss', '1.5'], ['run', '--scenario', 'no-such'], ['run', '--devices', '3'], ['run', '--seed', 'a b'], ['list', 'extra']]) {
    const r = await cli(args);
    t.is(r.code, EXIT_USAGE, args.join(' '));
    t.is(r.err.length, 1, args.join(' '));
    t.regex(r.err[0], /^ace-sim: .+ \(ace-sim --help\)$/);
  }
});

test.serial('help and list', async (t) => {
  const h = await cli(['--help']);
  t.is(h.code, EXIT_OK);
  t.regex(h.out.join('\n'), /ace-sim fleet --devices N/);
  const l = await cli(['list']);
  t.true(l.out.some((x) => x.startsWith('door-lock-evening')));
  t.true(l.out.some((x) => x.startsWith('attack-token-flood')));
});

test.serial('run --scenario writes report.json and index.html, exit 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-sim-'));
  try {
    const r = await cli(['run', '--scenario', 'attack-replay', '--scenario', 'door-lock-evening', '--seed', '3', '--out', dir]);
    t.is(r.code, EXIT_OK, r.out.join('\n'));
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    t.is(report.summary.scenarios, 2);
    t.is(report.summary.securityViolations, 0);
    t.is(report.chart.scenario, 'door-lock-evening');
    t.is(report.fleet, null);
    t.true(existsSync(join(dir, 'index.html')));
    t.regex(r.out[r.out.length - 1], /^OK: 2\/2 scenarios passed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('fleet writes its figures', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ace-sim-'));
  try {
    const r = await cli(['fleet', '--devices', '10', '--phones', '12', '--loss', '0.02', '--seed', '5', '--out', dir, '--strangers', '0']);
    t.is(r.code, EXIT_OK);
    t.regex(r.out[0], /^fleet: 10 locks, 12 phones, loss 0.02: 12\/12 unlocked/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    t.is(report.fleet.unlocked, 12);
    t.deepEqual(report.scenarios, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
