/**
 * Sender Sequence Numbers across power loss (RFC 8613 Appendix B.1.1), and the Node FileStorage
 * they are kept in.
 */
import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from '../../device/codec/cbor.ts';
import { FileStorage } from '../../device/hosts/node/file-storage.ts';
import { SenderSequence } from '../../device/oscore/sequence.ts';
import { MemoryStorage } from '../../device/storage.ts';
import type { Storage } from '../../device/storage.ts';
import { kindOf } from './kind.ts';

test('a fresh counter starts at 0 and writes once per step', (t) => {
  const storage = new MemoryStorage();
  const seq = new SenderSequence(storage, 'k', 10);
  t.false(seq.restored);
  t.is(storage.writes, 1);
  for (let i = 0; i < 25; i++) t.is(seq.take(), i);
  t.is(storage.writes, 3); // bounds 10, 20, 30
});

test('after a power loss numbers resume beyond every number used', (t) => {
  const storage = new MemoryStorage();
  const used = new Set<number>();
  let seq = new SenderSequence(storage, 'k', 8);
  for (let boot = 0; boot < 20; boot++) {
    const count = (boot * 7) % 19;
    for (let i = 0; i < count; i++) {
      const n = seq.take();
      t.false(used.has(n), `number ${n} reused after boot ${boot}`);
      used.add(n);
    }
    seq = new SenderSequence(storage, 'k', 8); // power loss: only storage survives
    t.true(seq.restored);
  }
});

test('property: no sequence number is ever used twice across arbitrary reboots', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.nat(120), { maxLength: 30 }), (step, runs) => {
      const storage = new MemoryStorage();
      const used = new Set<number>();
      for (const count of runs) {
        const seq = new SenderSequence(storage, 'k', step);
        for (let i = 0; i < count; i++) {
          const n = seq.take();
          if (used.has(n)) return false;
          used.add(n);
        }
      }
      return true;
    }),
  );
  t.pass();
});

test('a failed storage write consumes no number and surfaces storage_failed', (t) => {
  const inner = new MemoryStorage();
  let broken = false;
  const flaky: Storage = {
    read: (k) => inner.read(k),
    write: (k, v) => {
      if (broken) throw new Error('disk gone');
      inner.write(k, v);
    },
    remove: (k) => inner.remove(k),
  };
  const seq = new SenderSequence(flaky, 'k', 2);
  t.is(seq.take(), 0);
  t.is(seq.take(), 1);
  broken = true;
  t.is(kindOf(() => seq.take()), 'storage_failed');
  broken = false;
  t.is(seq.take(), 2);
});

test('numbers stop below 2^40', (t) => {
  const storage = new MemoryStorage();
  storage.write('k', encode(2 ** 40 - 2));
  const seq = new SenderSequence(storage, 'k', 64);
  t.is(seq.take(), 2 ** 40 - 2);
  t.is(seq.take(), 2 ** 40 - 1);
  t.is(kindOf(() => seq.take()), 'internal');
});

test('a corrupt record is storage_failed, never a silent restart at 0', (t) => {
  for (const bad of [new Uint8Array([0xff]), encode('x'), encode(-1), encode(2 ** 41), new Uint8Array(0)]) {
    const storage = new MemoryStorage();
    storage.write('k', bad);
    t.is(kindOf(() => new SenderSequence(storage, 'k', 4)), 'storage_failed');
  }
});

test('FileStorage: atomic files, reopened after a "reboot"', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oscore-fs-'));
  try {
    const a = new FileStorage(join(dir, 'state'));
    t.is(a.read('missing'), null);
    a.write('seq/ctx 1', new Uint8Array([1, 2, 3]));
    a.write('seq/ctx 1', new Uint8Array([4, 5]));
    a.write('..', new Uint8Array([9]));
    const b = new FileStorage(join(dir, 'state'));
    t.deepEqual(b.read('seq/ctx 1'), new Uint8Array([4, 5]));
    t.deepEqual(b.read('..'), new Uint8Array([9]));
    // no temporary files left, nothing written outside the directory
    t.false(readdirSync(join(dir, 'state')).some((f) => f.startsWith('.tmp')));
    t.deepEqual(readdirSync(dir), ['state']);
    b.remove('seq/ctx 1');
    b.remove('seq/ctx 1');
    t.is(b.read('seq/ctx 1'), null);

    let seq = new SenderSequence(b, 'oscore-seq', 4);
    const used: number[] = [];
    for (let i = 0; i < 6; i++) used.push(seq.take());
    seq = new SenderSequence(new FileStorage(join(dir, 'state')), 'oscore-seq', 4);
    t.true(seq.restored);
    t.true(seq.take() > Math.max(...used));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
