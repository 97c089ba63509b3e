/** A small fleet completes: locks and phones at once, strangers refused, figures reported. */
import test from 'ava';
import { runFleet, checkFleetOptions } from '../../sim/fleet/fleet.ts';
import { quantile, summarize } from '../../sim/fleet/stats.ts';

test.serial('a 50-lock fleet completes with every legitimate phone in and every stranger out', async (t) => {
  const started = Date.now();
  const f = await runFleet({ devices: 50, phones: 60, loss: 0.05, seed: 'ci', strangers: 0.1 });
  t.true(Date.now() - started < 20000);
  t.is(f.violations.length, 0);
  t.is(f.unlocked + f.failed, f.legitimate);
  t.true(f.successRate >= 95, 'success rate ' + f.successRate);
  t.is(f.strangersRefused, f.strangers);
  t.true(f.strangers > 0);
  t.is(f.timeToUnlockMs.count, f.unlocked);
  t.true(f.timeToUnlockMs.p50 > 0 && f.timeToUnlockMs.p50 <= f.timeToUnlockMs.p90 && f.timeToUnlockMs.p90 <= f.timeToUnlockMs.max);
  t.true(f.airBytesPerUnlock.mean > 500);
  t.true(f.counters.retransmissions > 0, 'a lossy fleet retransmits');
  t.is(f.latencyHistogram.counts.reduce((a, b) => a + b, 0), f.unlocked);
});

test('fleet options are checked', (t) => {
  t.throws(() => checkFleetOptions({ devices: 0, phones: 1, loss: 0, seed: 1 }), { instanceOf: RangeError });
  t.throws(() => checkFleetOptions({ devices: 1, phones: 1, loss: 1, seed: 1 }), { instanceOf: RangeError });
  t.throws(() => checkFleetOptions({ devices: 1.5, phones: 1, loss: 0, seed: 1 }), { instanceOf: RangeError });
  t.is(checkFleetOptions({ devices: 1, phones: 1, loss: 0, seed: 1 }).ble, 0.25);
});

test('statistics: nearest-rank quantiles', (t) => {
  t.is(quantile([1, 2, 3, 4], 0.5), 2);
  t.is(quantile([1, 2, 3, 4], 0.99), 4);
  t.true(Number.isNaN(quantile([], 0.5)));
  t.deepEqual(summarize([3, 1, 2]), { count: 3, mean: 2, p50: 2, p90: 3, p99: 3, max: 3 });
});
