/** The resources behind the CoAP Site: discovery, Block2 of the history, Observe wiring. */
import test from 'ava';
import { Code } from '../../device/errors.ts';
import { CborMap, decode, encode } from '../../device/codec/cbor.ts';
import { concatBytes, utf8Decode, utf8Encode } from '../../device/codec/bytes.ts';
import { decodeUint, encodeUint, getOption, getUintOption } from '../../device/coap/message.ts';
import { Method, Option } from '../../device/coap/numbers.ts';
import { Site } from '../../device/coap/site.ts';
import { AlarmResource, LockResource } from '../../device/resources/lock.ts';
import { SyntheticVitals } from '../../device/resources/signal.ts';
import { VitalsSensor } from '../../device/resources/vitals.ts';
import { ALARM_PATH, HISTORY_PATH, LOCK_PATH, VITALS_PATH } from '../../device/resources/scopes.ts';
import { TestClock, cbor, exchange } from './helpers.ts';

function pathOptions(path: string) {
  return path.split('/').filter(Boolean).map((s) => ({ number: Option.UriPath, value: utf8Encode(s) }));
}

function device() {
  const clock = new TestClock(1_700_000_000, 0);
  const site = new Site();
  const lock = new LockResource({ clock });
  const alarm = new AlarmResource(true);
  const vitals = new VitalsSensor({ clock, source: new SyntheticVitals({ seed: 3 }) });
  site.add(LOCK_PATH, lock).add(ALARM_PATH, alarm).add(VITALS_PATH, vitals.current).add(HISTORY_PATH, vitals.history);
  lock.onChanged(() => site.changed(LOCK_PATH));
  alarm.onChanged(() => site.changed(ALARM_PATH));
  vitals.onChanged(() => site.changed(VITALS_PATH));
  return { clock, site, lock, alarm, vitals };
}

function get(site: Site, path: string, extra: { number: number; value: Uint8Array }[] = []) {
  const ex = exchange(Method.GET, new Uint8Array(0), [...pathOptions(path), ...extra].sort((a, b) => a.number - b.number));
  site.handle(ex);
  return ex;
}

test('/.well-known/core lists the resources with their attributes', (t) => {
  const { site } = device();
  const r = get(site, '/.well-known/core').responses[0];
  const doc = utf8Decode(r.payload);
  t.true(doc.includes('</lock>;rt="lock";if="core.a";ct=60;obs'));
  t.true(doc.includes('</alarm>;rt="alarm"'));
  t.true(doc.includes('</vitals>;rt="vitals";if="core.s";ct=112;obs'));
  t.true(doc.includes('</vitals/history>;rt="vitals-history"'));
});

test('/vitals/history goes block by block (Block2) and reassembles to the representation', (t) => {
  const { site, vitals, clock } = device();
  for (let i = 0; i < 144; i++) {
    clock.mono = i * 1000;
    vitals.tick();
  }
  const whole = vitals.renderHistory().payload;
  const parts: Uint8Array[] = [];
  let tag: Uint8Array | null = null;
  let next = 6; // block 0 of 1024 bytes; the Site may answer with smaller blocks, which the client then follows (RFC 7959 §2.4)
  for (let i = 0; i < 100; i++) {
    const r = get(site, HISTORY_PATH, [{ number: Option.Block2, value: encodeUint(next) }]).responses[0];
    t.is(r.code, Code.Content);
    const etag = getOption(r.options, Option.ETag);
    if (tag === null) tag = etag;
    t.deepEqual(etag, tag, 'the same ETag on every block');
    parts.push(r.payload);
    const block = decodeUint(getOption(r.options, Option.Block2)!);
    if ((block & 8) === 0) break;
    next = ((block >> 4) + 1) * 16 + (block & 7);
  }
  t.true(parts.length >= 5);
  t.deepEqual(concatBytes(parts), whole);
});

test('observing /vitals: each new reading is a notification', (t) => {
  const { site, vitals, clock } = device();
  vitals.tick();
  const ex = get(site, VITALS_PATH, [{ number: Option.Observe, value: new Uint8Array(0) }]);
  t.is(ex.responses.length, 1);
  t.not(getUintOption(ex.responses[0].options, Option.Observe), null);
  clock.mono = 1000;
  vitals.tick();
  clock.mono = 2000;
  vitals.tick();
  t.is(ex.notifications.length, 2);
  t.deepEqual(ex.notifications[1].payload, vitals.renderCurrent().payload);
});

test('observing /lock: an unlock through the Site notifies the observer', (t) => {
  const { site } = device();
  const watcher = get(site, LOCK_PATH, [{ number: Option.Observe, value: new Uint8Array(0) }]);
  const post = exchange(Method.POST, encode(new CborMap().set('locked', false)), [...pathOptions(LOCK_PATH), ...cbor()]);
  site.handle(post);
  t.is(post.responses[0].code, Code.Changed);
  t.is(watcher.notifications.length, 1);
  t.deepEqual(decode(watcher.notifications[0].payload), new CborMap().set('locked', false));
});

test('errors from the resources reach the wire with their codes', (t) => {
  const { site } = device();
  const put = exchange(Method.PUT, encode(new CborMap().set('locked', false)), [...pathOptions(LOCK_PATH), ...cbor()]);
  site.handle(put);
  t.is(put.responses[0].code, Code.MethodNotAllowed);
  const bad = exchange(Method.POST, encode(new CborMap().set('locked', 1)), [...pathOptions(LOCK_PATH), ...cbor()]);
  site.handle(bad);
  t.is(bad.responses[0].code, Code.BadRequest);
});
