/** The replay window (RFC 8613 §7.4): a sliding window on 32-bit words. */
import test from 'ava';
import fc from 'fast-check';
import { ReplayWindow } from '../../device/oscore/replay.ts';
import { kindOf } from './kind.ts';

function acceptAll(w: ReplayWindow, seqs: number[]): void {
  for (const s of seqs) w.accept(s);
}

test('in order: each accepted once, replays refused', (t) => {
  const w = new ReplayWindow(32, true);
  for (let i = 0; i < 100; i++) {
    t.true(w.check(i));
    w.accept(i);
    t.false(w.check(i));
  }
  for (let i = 0; i < 100; i++) t.false(w.check(i));
  t.true(w.check(100));
});

test('out of order inside the window accepted, outside refused', (t) => {
  const w = new ReplayWindow(32, true);
  acceptAll(w, [0, 1, 2, 40]);
  // window now covers 9..40
  t.false(w.check(8));
  t.true(w.check(9));
  t.true(w.check(39));
  t.false(w.check(40));
  w.accept(9);
  t.false(w.check(9));
  w.accept(30);
  t.false(w.check(30));
  t.true(w.check(31));
  t.false(w.check(2)); // seen and too old
  t.false(w.check(3)); // never seen, but older than the window
});

test('a jump larger than the window clears it', (t) => {
  const w = new ReplayWindow(32, true);
  acceptAll(w, [0, 1, 2, 3]);
  w.accept(1000);
  t.false(w.check(968));
  t.true(w.check(969));
  t.true(w.check(999));
  t.false(w.check(1000));
});

test('refusing replays is an oscore_replay CoreError and changes nothing', (t) => {
  const w = new ReplayWindow(32, true);
  acceptAll(w, [5, 7]);
  t.is(kindOf(() => w.accept(7)), 'oscore_replay');
  t.true(w.check(6));
  t.false(w.check(5));
});

for (const size of [32, 64, 96]) {
  test(`window of ${size} sliding across 32-bit boundaries (2^31, 2^32) and near 2^40`, (t) => {
    for (const origin of [2 ** 31 - 40, 2 ** 32 - 70, 2 ** 40 - 300]) {
      const w = new ReplayWindow(size, true);
      w.accept(origin);
      // step over the boundary in uneven steps, leaving gaps
      const seen: number[] = [origin];
      for (let s = origin + 3; s < origin + 200; s += 7) {
        w.accept(s);
        seen.push(s);
      }
      const top = seen[seen.length - 1];
      for (let n = top - size - 10; n <= top + 2; n++) {
        const expected = n > top || (top - n < size && !seen.includes(n));
        t.is(w.check(n), expected, `n = ${n}, top = ${top}`);
      }
    }
  });
}

test('an uninitialised window refuses everything until reset to a lower limit', (t) => {
  const w = new ReplayWindow(32, false);
  t.false(w.initialised);
  t.false(w.check(0));
  t.false(w.check(12345));
  w.resetTo(500);
  t.true(w.initialised);
  t.false(w.check(500));
  t.false(w.check(499));
  t.false(w.check(480));
  t.true(w.check(501));
  w.accept(503);
  t.true(w.check(501));
  t.true(w.check(502));
  t.false(w.check(500));
});

test('bad sizes are refused', (t) => {
  for (const size of [0, 16, 33, 2048]) t.is(kindOf(() => new ReplayWindow(size, true)), 'internal');
});

test('property: the window agrees with a set-based model', (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(32, 64),
      fc.nat(2 ** 40 - 5000),
      fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 80 }),
      (size, origin, offsets) => {
        const w = new ReplayWindow(size, true);
        const seen = new Set<number>();
        let top = -1;
        for (const off of offsets) {
          const n = origin + off;
          const expected = !seen.has(n) && (n > top || top - n < size);
          if (w.check(n) !== expected) return false;
          if (expected) {
            w.accept(n);
            seen.add(n);
            if (n > top) top = n;
          }
        }
        return true;
      },
    ),
  );
  t.pass();
});
