/** Verdicts: a violated expectation, a crash and a hang each fail the scenario and the run. */
import test from 'ava';
import { runScenario } from '../../sim/scenarios/scenario.ts';
import type { Scenario } from '../../sim/scenarios/scenario.ts';
import { buildReport, failed } from '../../sim/report/report.ts';

const violated: Scenario = {
  name: 'violated', title: 'a security expectation that does not hold', description: '',
  async run(w, x) {
    await w.sim.sleep(10);
    x.service('fine', true);
    x.security('the attacker is kept out', false, 'it got in');
  },
};
const crashes: Scenario = {
  name: 'crashes', title: 'throws', description: '',
  async run() {
    throw new Error('boom');
  },
};
const hangs: Scenario = {
  name: 'hangs', title: 'waits for nothing', description: '',
  run: () => new Promise<void>(() => undefined),
};

test.serial('a violated security expectation fails the scenario and the report', async (t) => {
  const r = await runScenario(violated, 1);
  t.false(r.passed);
  const report = buildReport('run', '1', [r], null, null);
  t.is(report.summary.securityViolations, 1);
  t.is(report.summary.serviceFailures, 0);
  t.true(failed(report));
});

test.serial('a crash and a hang are failures with their reason, never a stuck run', async (t) => {
  const c = await runScenario(crashes, 1);
  t.false(c.passed);
  t.regex(c.error ?? '', /boom/);
  const h = await runScenario(hangs, 1);
  t.false(h.passed);
  t.regex(h.error ?? '', /stalled/);
  t.is(globalThis.setTimeout.name, 'setTimeout'); // the real timers are back
});
