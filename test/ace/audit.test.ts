/** The audit log: ring bound, batched persistence, reload, corruption, write failures. */
import test from 'ava';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { MemoryStorage, type Clock } from '../../device/storage.ts';
import { AuditLog, formatEvent, type AuditInput } from '../../device/ace/audit.ts';
import { sealBlob } from '../../device/ace/token-store.ts';

class TestClock implements Clock {
  constructor(public wall: number | null, public mono: number) {}
  nowSeconds(): number | null {
    return this.wall;
  }
  monotonicMs(): number {
    return this.mono;
  }
}

const hash = (d: Uint8Array) => sha256(d);
const T0 = 1_700_000_000;

function log(storage: MemoryStorage, clock: Clock, capacity = 4, flushEvery = 3): AuditLog {
  return new AuditLog({ storage, clock, hash, capacity, flushEvery });
}

function decision(n: number, granted = true): AuditInput {
  return {
    peer: '127.0.0.1:' + (40000 + n), tokenId: Uint8Array.of(0xc0, n), path: n % 2 ? '/lock' : '/alarm',
    method: 2, granted, reason: granted ? 'granted' : 'method_not_allowed',
  };
}

test('events carry time, peer, token id, resource, method, decision and reason', (t) => {
  const a = log(new MemoryStorage(), new TestClock(T0, 7));
  const e = a.record(decision(1));
  t.like(e, { seq: 0, time: T0, wall: true, peer: '127.0.0.1:40001', path: '/lock', method: 2, granted: true, reason: 'granted' });
  t.deepEqual(e.tokenId, Uint8Array.of(0xc0, 1));
  const d = a.record({ peer: 'ble:3', tokenId: null, path: '/vitals', method: 1, granted: false, reason: 'unauthorized' });
  t.is(formatEvent(e), '#0 t=1700000000 127.0.0.1:40001 token=c001 POST /lock granted');
  t.is(formatEvent(d), '#1 t=1700000000 ble:3 token=- GET /vitals denied:unauthorized');
});

test('without a clock the time is monotonic milliseconds', (t) => {
  const e = log(new MemoryStorage(), new TestClock(null, 1234)).record(decision(1));
  t.is(e.time, 1234);
  t.false(e.wall);
  t.regex(formatEvent(e), /^#0 mono=1234 /);
});

test('the ring keeps the newest `capacity` events, oldest first', (t) => {
  const a = log(new MemoryStorage(), new TestClock(T0, 0), 4, 100);
  for (let n = 0; n < 11; n++) a.record(decision(n));
  t.is(a.size, 4);
  t.deepEqual(a.events().map((e) => e.seq), [7, 8, 9, 10]);
});

test('writes go in batches of flushEvery, or on demand', (t) => {
  const storage = new MemoryStorage();
  const a = log(storage, new TestClock(T0, 0), 8, 3);
  a.record(decision(1));
  a.record(decision(2));
  t.is(storage.writes, 0);
  t.is(a.pending, 2);
  a.record(decision(3));
  t.is(storage.writes, 1);
  t.is(a.pending, 0);
  a.record(decision(4));
  a.flush();
  t.is(storage.writes, 2);
  a.flush();
  t.is(storage.writes, 2, 'nothing new, nothing written');
});

test('a reboot restores the events and the sequence keeps counting', (t) => {
  const storage = new MemoryStorage();
  const a = log(storage, new TestClock(T0, 0), 4, 2);
  for (let n = 0; n < 6; n++) a.record(decision(n, n % 3 !== 0));
  const before = a.events();
  const b = log(storage, new TestClock(null, 0), 4, 2);
  t.deepEqual(b.load(), { status: 'loaded', events: 4, reason: '' });
  t.deepEqual(b.events(), before);
  t.is(b.record(decision(9)).seq, 6);
});

test('a smaller ring after a reboot keeps the newest events', (t) => {
  const storage = new MemoryStorage();
  const a = log(storage, new TestClock(T0, 0), 8, 8);
  for (let n = 0; n < 8; n++) a.record(decision(n));
  const b = log(storage, new TestClock(T0, 0), 3, 8);
  t.is(b.load().events, 3);
  t.deepEqual(b.events().map((e) => e.seq), [5, 6, 7]);
  b.record(decision(8));
  t.deepEqual(b.events().map((e) => e.seq), [6, 7, 8]);
});

test('a corrupted or foreign blob is discarded whole', (t) => {
  const storage = new MemoryStorage();
  const a = log(storage, new TestClock(T0, 0), 4, 1);
  a.record(decision(1));
  const good = storage.read('ace-audit')!;
  for (let i = 0; i < good.length; i++) {
    const bad = good.slice();
    bad[i] ^= 0x80;
    storage.write('ace-audit', bad);
    const b = log(storage, new TestClock(T0, 0));
    t.is(b.load().status, 'discarded', 'byte ' + i);
    t.is(b.size, 0);
  }
  for (const blob of [sealBlob(2, [0, []], hash), sealBlob(1, [0, [[1, 2, 3]]], hash), sealBlob(1, ['x', []], hash)]) {
    storage.write('ace-audit', blob);
    t.is(log(storage, new TestClock(T0, 0)).load().status, 'discarded');
  }
  t.is(log(new MemoryStorage(), new TestClock(T0, 0)).load().status, 'empty');
});

test('a failed write does not throw from record: it is kept for the host and retried', (t) => {
  const storage = new MemoryStorage();
  const real = storage.write.bind(storage);
  let broken = true;
  storage.write = (k, v) => {
    if (broken) throw new Error('flash busy');
    real(k, v);
  };
  const a = log(storage, new TestClock(T0, 0), 8, 2);
  a.record(decision(1));
  t.notThrows(() => a.record(decision(2)));
  t.is(a.flushError?.kind, 'storage_failed');
  t.is(a.pending, 2);
  broken = false;
  a.record(decision(3));
  t.is(a.flushError, null);
  t.is(a.pending, 0);
  t.is(storage.writes, 1);
});

test('long peer, path and reason texts are clipped', (t) => {
  const e = log(new MemoryStorage(), new TestClock(T0, 0)).record({ ...decision(1), peer: 'p'.repeat(1000), path: '/' + 'x'.repeat(999) });
  t.is(e.peer.length, 128);
  t.is(e.path.length, 128);
});

test('property: arbitrary stored bytes never throw at load', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
    const storage = new MemoryStorage();
    storage.write('ace-audit', bytes);
    return log(storage, new TestClock(T0, 0)).load().status === 'discarded';
  }), { numRuns: 1000 });
  t.pass();
});
