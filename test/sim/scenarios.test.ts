/**
 * Every scenario passes with fixed seeds: each attack fails for the attacker and leaves the
 * device serving legitimate phones; every story's service expectations hold.
 */
import test from 'ava';
import { SCENARIOS } from '../../sim/scenarios/index.ts';
import { runScenario } from '../../sim/scenarios/scenario.ts';

for (const s of SCENARIOS) {
  for (const seed of [1, 2]) {
    test.serial(s.name + ' (seed ' + seed + ')', async (t) => {
      const r = await runScenario(s, seed);
      t.is(r.error, null);
      for (const e of r.expectations) t.true(e.passed, e.kind + ': ' + e.name + (e.detail ? ' — ' + e.detail : ''));
      t.true(r.expectations.some((e) => e.kind === 'service'), 'a scenario checks that legitimate use still works');
      if (s.name.startsWith('attack-')) t.true(r.expectations.some((e) => e.kind === 'security'), 'an attack checks that it failed');
      t.true(r.passed);
    });
  }
}
