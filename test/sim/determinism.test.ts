/**
 * Reproducibility: the same seed gives the same JSON report byte for byte (two runs in one
 * process); another seed changes the link events.
 */
import test from 'ava';
import { SCENARIOS } from '../../sim/scenarios/index.ts';
import { runScenario } from '../../sim/scenarios/scenario.ts';
import { runFleet } from '../../sim/fleet/fleet.ts';
import { buildReport, reportJson } from '../../sim/report/report.ts';
import { reportHtml } from '../../sim/report/html.ts';

const PICK = ['door-lock-evening', 'sensor-ble', 'attack-replay', 'attack-reboot-replay'];

async function report(seed: string): Promise<string> {
  const results = [];
  for (const s of SCENARIOS.filter((x) => PICK.indexOf(x.name) >= 0)) results.push(await runScenario(s, seed));
  const fleet = await runFleet({ devices: 20, phones: 30, loss: 0.1, seed });
  return reportJson(buildReport('run', seed, results, 'door-lock-evening', fleet));
}

test.serial('the same seed reproduces the same JSON report byte for byte', async (t) => {
  const a = await report('42');
  const b = await report('42');
  t.is(a, b);
  t.true(a.length > 5000);
});

test.serial('another seed changes the link events', async (t) => {
  const a = JSON.parse(await report('42'));
  const b = JSON.parse(await report('43'));
  for (let i = 0; i < a.scenarios.length; i++) t.not(a.scenarios[i].linkDigest, b.scenarios[i].linkDigest, a.scenarios[i].name);
  t.not(a.fleet.linkDigest, b.fleet.linkDigest);
  // the verdicts do not depend on the seed
  t.deepEqual(a.scenarios.map((s: { passed: boolean }) => s.passed), b.scenarios.map((s: { passed: boolean }) => s.passed));
});

test.serial('the HTML report is self-contained and deterministic', async (t) => {
  const seed = '7';
  const results = [await runScenario(SCENARIOS[0], seed)];
  const html = reportHtml(buildReport('run', seed, results, SCENARIOS[0].name, null));
  t.is(html, reportHtml(buildReport('run', seed, [await runScenario(SCENARIOS[0], seed)], SCENARIOS[0].name, null)));
  t.regex(html, /^<!DOCTYPE html>/);
  t.regex(html, /<svg[^>]*aria-label="message sequence chart"/);
  t.notRegex(html, /<script|<link |src="http|href="http/);
});
