/** /lock and /alarm: representations, commands, state transitions, hooks, auto-relock. */
import test from 'ava';
import { Code } from '../../device/errors.ts';
import { CborMap, decode, encode } from '../../device/codec/cbor.ts';
import { fromHex } from '../../device/codec/bytes.ts';
import { encodeUint } from '../../device/coap/message.ts';
import { ContentFormat, Method, Option } from '../../device/coap/numbers.ts';
import { AlarmResource, LockResource } from '../../device/resources/lock.ts';
import { TestClock, cbor, contentFormat, exchange, throwsKind } from './helpers.ts';

function state(payload: Uint8Array): unknown {
  const m = decode(payload) as CborMap;
  return Object.fromEntries(m.keys.map((k, i) => [k, m.values[i]]));
}

function lockWith(relockAfterMs?: number) {
  const clock = new TestClock(null, 0);
  const events: string[] = [];
  const lock = new LockResource({ clock, relockAfterMs, actuator: (l) => events.push(l ? 'bolt:lock' : 'bolt:unlock') });
  lock.onUnlock(() => events.push('onUnlock'));
  lock.onChanged(() => events.push('changed'));
  return { clock, lock, events };
}

const UNLOCK = encode(new CborMap().set('locked', false));
const LOCK = encode(new CborMap().set('locked', true));

test('GET /lock: 2.05, application/cbor, {"locked": true} (the exact bytes)', (t) => {
  const { lock } = lockWith();
  const r = lock.render(exchange(Method.GET));
  t.is(r.code, Code.Content);
  t.is(contentFormat(r), ContentFormat.Cbor);
  t.deepEqual(r.payload, fromHex('a1666c6f636b6564f5'));
  t.deepEqual(state(r.payload), { locked: true });
  t.true(lock.observable);
  t.regex(lock.linkAttributes, /ct=60/);
});

test('POST {"locked": false} unlocks: bolt first, then onUnlock, then changed; 2.04 with the new state', (t) => {
  const { lock, events } = lockWith();
  const r = lock.render(exchange(Method.POST, UNLOCK, cbor()));
  t.is(r.code, Code.Changed);
  t.deepEqual(state(r.payload), { locked: false });
  t.false(lock.locked);
  t.deepEqual(events, ['bolt:unlock', 'onUnlock', 'changed']);
  t.deepEqual(state(lock.render(exchange(Method.GET)).payload), { locked: false });
});

test('every accepted unlock command calls onUnlock, even when already unlocked; changed only on a change', (t) => {
  const { lock, events } = lockWith();
  lock.render(exchange(Method.POST, UNLOCK, cbor()));
  lock.render(exchange(Method.POST, UNLOCK, cbor()));
  t.deepEqual(events, ['bolt:unlock', 'onUnlock', 'changed', 'bolt:unlock', 'onUnlock']);
  events.length = 0;
  const r = lock.render(exchange(Method.POST, LOCK, cbor()));
  t.deepEqual(state(r.payload), { locked: true });
  t.deepEqual(events, ['bolt:lock', 'changed'], 'locking never calls onUnlock');
});

test('a command in another content format is 4.15 and changes nothing', (t) => {
  const { lock, events } = lockWith();
  for (const options of [[], [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.TextPlain) }],
    [{ number: Option.ContentFormat, value: encodeUint(ContentFormat.SenmlCbor) }]]) {
    const r = lock.render(exchange(Method.POST, UNLOCK, options));
    t.is(r.code, Code.UnsupportedContentFormat);
  }
  t.true(lock.locked);
  t.deepEqual(events, []);
});

test('malformed commands are bad_request and change nothing', (t) => {
  const { lock, events } = lockWith();
  const bad = [
    new Uint8Array(0),
    fromHex('a1'),
    encode('unlock'),
    encode([false]),
    encode(new CborMap().set('locked', 0)),
    encode(new CborMap().set('locked', null)),
    encode(new CborMap().set('Locked', false)),
    encode(new CborMap().set(1, false)),
    encode(new CborMap().set('locked', false).set('armed', false)),
    fromHex('a1666c6f636b6564f4' + '00'),
  ];
  for (const payload of bad) throwsKind(t, () => lock.render(exchange(Method.POST, payload, cbor())), 'bad_request');
  t.true(lock.locked);
  t.deepEqual(events, []);
});

test('other methods on /lock are method_not_allowed', (t) => {
  const { lock } = lockWith();
  for (const m of [Method.PUT, Method.DELETE, Method.FETCH, Method.PATCH, Method.IPATCH]) {
    throwsKind(t, () => lock.render(exchange(m, UNLOCK, cbor())), 'method_not_allowed');
  }
  t.true(lock.locked);
});

test('auto-relock after the configured time, by poll() or at the next GET', (t) => {
  const { lock, clock, events } = lockWith(5000);
  clock.mono = 1000;
  lock.render(exchange(Method.POST, UNLOCK, cbor()));
  clock.mono = 5999;
  lock.poll();
  t.false(lock.locked);
  clock.mono = 6000;
  lock.poll();
  t.true(lock.locked);
  t.deepEqual(events, ['bolt:unlock', 'onUnlock', 'changed', 'bolt:lock', 'changed']);

  lock.render(exchange(Method.POST, UNLOCK, cbor()));
  clock.mono = 9000;
  lock.render(exchange(Method.POST, UNLOCK, cbor())); // a second unlock restarts the time
  clock.mono = 13999;
  t.deepEqual(state(lock.render(exchange(Method.GET)).payload), { locked: false });
  clock.mono = 14000;
  t.deepEqual(state(lock.render(exchange(Method.GET)).payload), { locked: true }, 'GET applies a due relock');
});

test('without auto-relock the lock stays open', (t) => {
  const { lock, clock } = lockWith();
  lock.render(exchange(Method.POST, UNLOCK, cbor()));
  clock.mono = 1e9;
  lock.poll();
  t.false(lock.locked);
});

test('/alarm: GET the state, POST {"armed": false} disarms and calls onDisarm', (t) => {
  const alarm = new AlarmResource(true);
  const events: string[] = [];
  alarm.onDisarm(() => events.push('onDisarm'));
  alarm.onChanged(() => events.push('changed'));
  const g = alarm.render(exchange(Method.GET));
  t.is(g.code, Code.Content);
  t.is(contentFormat(g), ContentFormat.Cbor);
  t.deepEqual(state(g.payload), { armed: true });
  const r = alarm.render(exchange(Method.POST, encode(new CborMap().set('armed', false)), cbor()));
  t.is(r.code, Code.Changed);
  t.deepEqual(state(r.payload), { armed: false });
  t.false(alarm.armed);
  alarm.render(exchange(Method.POST, encode(new CborMap().set('armed', true)), cbor()));
  t.true(alarm.armed);
  t.deepEqual(events, ['onDisarm', 'changed', 'changed']);
  throwsKind(t, () => alarm.render(exchange(Method.PUT, encode(new CborMap().set('armed', false)), cbor())), 'method_not_allowed');
  throwsKind(t, () => alarm.render(exchange(Method.POST, encode(new CborMap().set('locked', false)), cbor())), 'bad_request');
  t.is(alarm.render(exchange(Method.POST, encode(new CborMap().set('armed', false)))).code, Code.UnsupportedContentFormat);
  t.true(alarm.armed);
});
